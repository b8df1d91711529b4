import { describe, expect, it } from '@jest/globals';
import { parseCliArguments } from '../src/cli-arguments.js';

describe('kurrentdb-emulator arguments', () => {
  it('start on 127.0.0.1:2113 by default, as KurrentDB', () => {
    expect(parseCliArguments([])).toEqual({ kind: 'start', options: { port: 2113 } });
  });

  it.each([
    [['--port', '2114', '--host', '0.0.0.0'], { port: 2114, host: '0.0.0.0' }],
    [['--port=0', '--host=::1'], { port: 0, host: '::1' }],
    [['--host', 'localhost'], { port: 2113, host: 'localhost' }],
    [['--data', '/var/lib/emulator', '--port', '2113'], { port: 2113, dataDir: '/var/lib/emulator' }],
  ])('read %j as the options %j', (argv, options) => {
    expect(parseCliArguments(argv)).toEqual({ kind: 'start', options });
  });

  it.each([
    [['--cluster', '3'], { port: 2113, nodes: 3 }],
    [['--cluster=3', '--port', '0', '--host', '0.0.0.0'], { port: 0, nodes: 3, host: '0.0.0.0' }],
  ])('read %j as the cluster options %j', (argv, options) => {
    expect(parseCliArguments(argv)).toEqual({ kind: 'start-cluster', options });
  });

  it.each(['--help', '-h'])('answer %s with the usage', (flag) => {
    expect(parseCliArguments(['--port', '1', flag])).toEqual({ kind: 'help' });
  });

  it.each<[argv: string[], message: string | RegExp]>([
    [['--prot', '2113'], "unknown argument '--prot'"],
    [['2113'], "unknown argument '2113'"],
    [['--port'], '--port needs a value'],
    [['--port', '--host', 'x'], '--port needs a value'],
    [['--port', 'abc'], /^--port: expected an integer from 0 to 65535, got "abc"$/],
    [['--port', '70000'], /^--port: expected an integer from 0 to 65535, got 70000$/],
    [['--port', '-1'], /^--port: expected an integer from 0 to 65535, got "-1"$/],
    [['--host', 'a b'], /^--host: expected a host name or an IP address/],
    [['--port', '1', '--port', '2'], '--port is given twice'],
    [['--data', ' '], /^--data: expected the path of a directory/],
    [['--data'], '--data needs a value'],
    [['--cluster', '3', '--data', '/tmp/x'], '--data cannot be used with --cluster: a cluster keeps its log in memory'],
    [['--cluster', '0'], /^--cluster: expected an integer from 1 to 9, got 0$/],
    [['--cluster', 'three'], /^--cluster: expected an integer from 1 to 9, got "three"$/],
    [['--cluster'], '--cluster needs a value'],
  ])('refuse %j: %s', (argv, message) => {
    const command = parseCliArguments(argv);
    expect(command.kind).toBe('usage-error');
    if (typeof message === 'string') expect(command).toEqual({ kind: 'usage-error', message });
    else expect((command as { message: string }).message).toMatch(message);
  });
});
