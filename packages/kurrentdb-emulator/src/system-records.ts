/** What a fresh KurrentDB node has already written to `$all` when a client first connects: its epoch,
 * the default users, the default ACL settings and the metadata of its own system streams. Seeded so a
 * `$all` consumer that forgets to skip `$` streams fails on the emulator as it does on a server. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { InMemoryLog } from './log.js';
import { WIRE_ANY, type ProposedEvent } from './records.js';

const json = (type: string, data: unknown): ProposedEvent => ({
  id: randomUUID(),
  type,
  contentType: 'application/json',
  data: Buffer.from(JSON.stringify(data)),
  customMetadata: new Uint8Array(0),
});

const adminsOnly = { $r: '$admins', $w: '$admins', $d: '$admins', $mr: '$admins', $mw: '$admins' };

/** A default user as the server stores it (the hash is random here: it is never checked). */
const user = (loginName: string, fullName: string, groups: string[]) =>
  json('$user', {
    loginName,
    fullName,
    salt: randomBytes(16).toString('base64'),
    hash: randomBytes(20).toString('base64'),
    disabled: false,
    groups,
  });

/** [stream, event] in the order a node writes them on its first start. */
export function systemRecords(host = '127.0.0.1:2113'): Array<[stream: string, event: ProposedEvent]> {
  return [
    [
      '$epoch-information',
      json('$epoch-information', {
        epochNumber: 0,
        epochPosition: 0,
        epochId: randomUUID(),
        leaderInstanceId: randomUUID(),
      }),
    ],
    ['$$$scavenges', json('$metadata', { $maxAge: 2_592_000 })],
    [`$$$stats-${host}`, json('$metadata', { $maxAge: 86_400 })],
    ['$$$users', json('$metadata', { $acl: adminsOnly })],
    ['$user-admin', user('admin', 'KurrentDB Administrator', ['$admins'])],
    ['$$$user-admin', json('$metadata', { $acl: { ...adminsOnly, $r: '$all' } })],
    ['$users', json('$User', 'admin')],
    ['$user-ops', user('ops', 'KurrentDB Operations', ['$ops'])],
    ['$$$user-ops', json('$metadata', { $acl: { ...adminsOnly, $r: '$all' } })],
    ['$users', json('$User', 'ops')],
    ['$$$settings', json('$metadata', { $maxCount: 1, $acl: adminsOnly })],
    [
      '$settings',
      json('$settings', {
        $userStreamAcl: { $r: '$all', $w: '$all', $d: '$all', $mr: '$all', $mw: '$all' },
        $systemStreamAcl: adminsOnly,
      }),
    ],
  ];
}

export function seedSystemRecords(log: InMemoryLog): void {
  for (const [stream, event] of systemRecords()) log.append(stream, WIRE_ANY, [event]);
}
