import { lambdaHandler } from '#lib/handler';
import { ledger } from '#lib/aws/clients/ledger';
import { nextRound, nextRoundPermissions } from '#lib/notebook/rounds';

const deps = { ledger };

export const permissions = nextRoundPermissions;
export const handler = lambdaHandler((input: Parameters<typeof nextRound>[0]) => nextRound(input, deps));
