import { describe, expect, it } from 'vitest';
import { ValidationError } from '#lib/errors';
import { matches, validatePattern } from '#sandbox/event-pattern';

// Patterns and events below are the examples of the AWS docs "Content filtering in Amazon EventBridge
// event patterns" and "Comparison operators for use in event patterns".
const ec2Event = {
  'detail-type': ['EC2 Instance State-change Notification'],
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
  detail: { state: ['initializing', 'running'] },
};

describe('exact values and arrays', () => {
  it('matches a value listed in the pattern and refuses one that is not', () => {
    // Prepare
    const pattern = { source: ['aws.ec2', 'aws.config'] };

    // Act
    const hit = matches(pattern, { source: 'aws.config' });
    const miss = matches(pattern, { source: 'aws.s3' });

    // Assess
    expect(hit).toBe(true);
    expect(miss).toBe(false);
  });

  it('matches an event array when any of its elements is listed', () => {
    // Prepare
    const pattern = { detail: { state: ['running'] } };

    // Act
    const result = matches(pattern, ec2Event);

    // Assess
    expect(result).toBe(true);
    expect(matches({ detail: { state: ['stopped'] } }, ec2Event)).toBe(false);
  });

  it('compares numbers as numbers and never as strings', () => {
    // Prepare
    const pattern = { detail: { 'x-limit': [301.8] } };

    // Act
    const number = matches(pattern, { detail: { 'x-limit': 3.018e2 } });
    const text = matches(pattern, { detail: { 'x-limit': '301.8' } });

    // Assess
    expect(number).toBe(true);
    expect(text).toBe(false);
  });

  it('matches null and the empty string only where the event holds exactly that', () => {
    // Prepare
    const pattern = { detail: { UserID: [null], LastName: [''] } };

    // Act
    const exact = matches(pattern, { detail: { UserID: null, LastName: '' } });
    const missing = matches(pattern, { detail: { LastName: '' } });
    const other = matches(pattern, { detail: { UserID: null, LastName: 'Doe' } });

    // Assess
    expect(exact).toBe(true);
    expect(missing).toBe(false);
    expect(other).toBe(false);
  });

  it('is case-sensitive for field names and values', () => {
    // Prepare
    const pattern = { detail: { state: ['running'] } };

    // Act
    const result = matches(pattern, { detail: { State: 'running' } });

    // Assess
    expect(result).toBe(false);
    expect(matches(pattern, { detail: { state: 'RUNNING' } })).toBe(false);
  });
});

describe('prefix, suffix, equals-ignore-case and wildcard', () => {
  it('matches the documented time prefix', () => {
    // Prepare
    const pattern = { time: [{ prefix: '2017-10-02' }] };

    // Act
    const hit = matches(pattern, { time: '2017-10-02T18:43:48Z' });
    const miss = matches(pattern, { time: '2017-10-03T18:43:48Z' });

    // Assess
    expect(hit).toBe(true);
    expect(miss).toBe(false);
  });

  it('matches prefixes and suffixes regardless of case when asked to', () => {
    // Prepare
    const prefix = { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] };
    const suffix = { FileName: [{ suffix: { 'equals-ignore-case': '.PNG' } }] };

    // Act
    const prefixHit = matches(prefix, { service: 'EventBridge' });
    const suffixHit = matches(suffix, { FileName: 'image.png' });

    // Assess
    expect(prefixHit).toBe(true);
    expect(suffixHit).toBe(true);
    expect(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' })).toBe(false);
  });

  it('matches a name regardless of case with equals-ignore-case', () => {
    // Prepare
    const pattern = { name: [{ 'equals-ignore-case': 'alice' }] };

    // Act
    const hit = matches(pattern, { name: 'ALICE' });
    const miss = matches(pattern, { name: 'alicia' });

    // Assess
    expect(hit).toBe(true);
    expect(miss).toBe(false);
  });

  it('matches wildcards, treating an escaped star as a star', () => {
    // Prepare
    const pattern = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };

    // Act
    const hit = matches(pattern, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' });
    const miss = matches(pattern, { EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/default' });

    // Assess
    expect(hit).toBe(true);
    expect(miss).toBe(false);
    expect(matches({ key: [{ wildcard: 'a\\*b' }] }, { key: 'a*b' })).toBe(true);
    expect(matches({ key: [{ wildcard: 'a\\*b' }] }, { key: 'axxb' })).toBe(false);
  });
});

describe('anything-but', () => {
  it('matches anything but the documented string and number', () => {
    // Prepare
    const byString = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    const byNumber = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };

    // Act
    const running = matches(byString, { detail: { state: 'running' } });
    const initializing = matches(byString, { detail: { state: 'initializing' } });

    // Assess
    expect(running).toBe(true);
    expect(initializing).toBe(false);
    expect(matches(byNumber, { detail: { 'x-limit': 124 } })).toBe(true);
    expect(matches(byNumber, { detail: { 'x-limit': 123 } })).toBe(false);
  });

  it('matches anything but the values of a list', () => {
    // Prepare
    const strings = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    const numbers = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };

    // Act
    const stopped = matches(strings, { detail: { state: 'stopped' } });
    const running = matches(strings, { detail: { state: 'running' } });

    // Assess
    expect(stopped).toBe(false);
    expect(running).toBe(true);
    expect(matches(numbers, { detail: { 'x-limit': 200 } })).toBe(false);
    expect(matches(numbers, { detail: { 'x-limit': 250 } })).toBe(true);
  });

  it('matches anything but a prefix, a suffix, a case-insensitive value or a wildcard', () => {
    // Prepare
    const prefix = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    const suffix = { FileName: [{ 'anything-but': { suffix: '.png' } }] };
    const ignoreCase = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
    const wildcard = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };

    // Act
    const results = [
      matches(prefix, { detail: { state: 'initializing' } }),
      matches(prefix, { detail: { state: 'running' } }),
      matches(suffix, { FileName: 'a.png' }),
      matches(suffix, { FileName: 'a.jpg' }),
      matches(ignoreCase, { state: 'INITIALIZING' }),
      matches(ignoreCase, { state: 'running' }),
      matches(wildcard, { FilePath: '/usr/lib/x' }),
      matches(wildcard, { FilePath: '/usr/bin/x' }),
    ];

    // Assess
    expect(results).toEqual([false, true, false, true, false, true, false, true]);
  });

  it('does not match an event that lacks the field', () => {
    // Prepare
    const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };

    // Act
    const result = matches(pattern, { detail: {} });

    // Assess
    expect(result).toBe(false);
  });
});

describe('numeric', () => {
  it('matches the documented ranges only when every field is inside its range', () => {
    // Prepare
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };

    // Act
    const inside = matches(pattern, { detail: { 'c-count': 5, 'd-count': 9.5, 'x-limit': 301.8 } });
    const lowerBound = matches(pattern, { detail: { 'c-count': 0, 'd-count': 9, 'x-limit': 301.8 } });
    const asText = matches(pattern, { detail: { 'c-count': '3', 'd-count': 9, 'x-limit': 301.8 } });

    // Assess
    expect(inside).toBe(true);
    expect(lowerBound).toBe(false);
    expect(asText).toBe(false);
  });
});

describe('exists', () => {
  it('matches the documented event that has no detail.c-count', () => {
    // Prepare
    const pattern = { detail: { 'c-count': [{ exists: false }] } };

    // Act
    const result = matches(pattern, ec2Event);

    // Assess
    expect(result).toBe(true);
    expect(matches(pattern, { detail: { 'c-count': 3 } })).toBe(false);
  });

  it('treats an object where a value is expected as absent, because exists works on leaves only', () => {
    // Prepare
    const absent = { detail: { 'c-count': [{ exists: false }] } };
    const present = { detail: { 'c-count': [{ exists: true }] } };
    const event = { ...ec2Event, detail: { ...ec2Event.detail, 'c-count': { c1: 100 } } };

    // Act
    const absentResult = matches(absent, event);
    const presentResult = matches(present, event);

    // Assess
    expect(absentResult).toBe(true);
    expect(presentResult).toBe(false);
  });

  it('counts a null value as present and an empty array as absent', () => {
    // Prepare
    const present = { detail: { x: [{ exists: true }] } };

    // Act
    const nullValue = matches(present, { detail: { x: null } });
    const emptyArray = matches(present, { detail: { x: [] } });

    // Assess
    expect(nullValue).toBe(true);
    expect(emptyArray).toBe(false);
  });
});

describe('$or and nesting', () => {
  it('matches when any alternative matches', () => {
    // Prepare
    const pattern = { detail: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] } };

    // Act
    const byLocation = matches(pattern, { detail: { Location: 'New York', Day: 'Friday' } });
    const byDay = matches(pattern, { detail: { Location: 'Paris', Day: 'Monday' } });
    const neither = matches(pattern, { detail: { Location: 'Paris', Day: 'Friday' } });

    // Assess
    expect(byLocation).toBe(true);
    expect(byDay).toBe(true);
    expect(neither).toBe(false);
  });

  it('matches the documented complex example', () => {
    // Prepare
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    const event = {
      time: '2017-10-02T18:43:48Z',
      detail: { state: 'running', 'c-count': 2, 'd-count': 7, 'x-limit': 150 },
    };

    // Act
    const hit = matches(pattern, event);
    const miss = matches(pattern, { ...event, detail: { ...event.detail, 'x-limit': 200 } });

    // Assess
    expect(hit).toBe(true);
    expect(miss).toBe(false);
  });

  it('takes every field matched inside an array of objects from the same element', () => {
    // Prepare
    const pattern = { detail: { findings: { Compliance: { Status: ['FAILED'] }, RecordState: ['ACTIVE'] } } };
    const split = {
      detail: {
        findings: [
          { Compliance: { Status: 'FAILED' }, RecordState: 'ARCHIVED' },
          { Compliance: { Status: 'PASSED' }, RecordState: 'ACTIVE' },
        ],
      },
    };
    const together = {
      detail: {
        findings: [
          { Compliance: { Status: 'PASSED' }, RecordState: 'ACTIVE' },
          { Compliance: { Status: 'FAILED' }, RecordState: 'ACTIVE' },
        ],
      },
    };

    // Act
    const splitResult = matches(pattern, split);
    const togetherResult = matches(pattern, together);

    // Assess
    expect(splitResult).toBe(false);
    expect(togetherResult).toBe(true);
  });
});

describe('validatePattern', () => {
  it('accepts every documented operator', () => {
    // Prepare
    const pattern = {
      a: ['x', 1, true, null, ''],
      b: [
        { prefix: 'p' },
        { suffix: { 'equals-ignore-case': 'S' } },
        { 'equals-ignore-case': 'e' },
        { wildcard: 'w*' },
      ],
      c: [
        { 'anything-but': ['x', 'y'] },
        { 'anything-but': { prefix: 'init' } },
        { exists: true },
        { numeric: ['>=', 0, '<', 1] },
      ],
      d: { $or: [{ e: ['1'] }, { f: ['2'] }] },
    };

    // Act
    const validate = () => validatePattern(pattern);

    // Assess
    expect(validate).not.toThrow();
  });

  it('names every bad field, the value found and what was expected', () => {
    // Prepare
    const pattern = {
      source: 'aws.config',
      detail: {
        state: [{ begins: 'x' }],
        count: [{ numeric: ['>', 'five'] }],
        list: [{ 'anything-but': ['a', 1] }],
        ip: [{ cidr: '10.0.0.0/24' }],
        none: [],
        $or: [{ a: ['b'] }],
      },
    };

    // Act
    let error: unknown;
    try {
      validatePattern(pattern);
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    const fields = (error as ValidationError).issues.map((i) => i.field);
    expect(fields).toEqual([
      'source',
      'detail.state[0]',
      'detail.count[0].numeric',
      'detail.list[0].anything-but',
      'detail.ip[0].cidr',
      'detail.none',
      'detail.$or',
    ]);
    expect((error as ValidationError).issues[0]?.message).toBe(
      'got "aws.config", expected an array of values or a nested object',
    );
  });

  it('refuses a pattern that is not an object, and matches() refuses it too', () => {
    // Prepare
    const pattern = ['aws.config'];

    // Act
    const validate = () => validatePattern(pattern);
    const match = () => matches(pattern, {});

    // Assess
    expect(validate).toThrow(ValidationError);
    expect(match).toThrow(/expected a JSON object/);
  });
});
