import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { displayWidth } from '../../src/output/width.js';
import { memoryIO, sandbox, scriptedPrompter, SEED_NOW, tempDir, topo } from '../helpers.js';

/** A forward proxy on loopback that records what passes through it. */
async function proxy(): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const upstream = request(req.url!, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // The HTTP client tunnels through the proxy with CONNECT.
  const sockets = new Set<Socket>();
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = req.url!.split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('proxy settings', () => {
  it('never sends an http:// API request through HTTP(S)_PROXY: the key would cross the proxy in clear text', async () => {
    const s = await sandbox();
    const p = await proxy();
    try {
      for (const env of [{ HTTP_PROXY: p.url }, { http_proxy: p.url, HTTPS_PROXY: p.url }]) {
        const r = await topo(['tasks', 'list', '-s', 'pending', '-L', '2'], { sandbox: s, env });
        expect(r.code).toBe(0);
        expect(r.stdout.trim().split('\n')).toHaveLength(2);
      }
      expect(p.seen).toEqual([]);
    } finally {
      await p.close();
    }
  });
});

describe('on a terminal', () => {
  it('auth login asks for the key with a masked prompt, checks it and stores it', async () => {
    const s = await sandbox();
    const prompter = scriptedPrompter(['topo_sandbox_rw', '']);
    const asked = prompter.asked;
    const t = memoryIO({ tty: true });
    const env = { TOPO_CONFIG_DIR: tempDir(), TOPO_API_URL: s.url };
    expect(await main(['auth', 'login'], t.io, env, { prompter, keychain: null })).toBe(0);
    expect(asked).toEqual([
      'Paste your Topo API key:',
      "To use 'me' (topo tasks list -a me), paste the ID of a task assigned to you, or press Enter to skip:",
    ]);
    expect(t.err()).toContain('✓ Logged in to workspace');
    expect(s.received('GET').map((q) => q.path)).toEqual(['/v1/me']);
  });

  it('tasks show labels every field, with times absolute and relative and the assignee by alias', async () => {
    const s = await sandbox();
    const t = s.store.state.tasks.find(
      (x) => x.type === 'CALL' && x.status === 'COMPLETED' && x.assignee_user_id,
    )!;
    const owner = s.store.users.find((u) => u.id === t.assignee_user_id)!;
    const dir = tempDir();
    const env = { TOPO_CONFIG_DIR: dir, TOPO_API_URL: s.url, TOPO_API_KEY: 'topo_sandbox_rw', NO_COLOR: '1' };
    await main(['alias', 'set', owner.alias, owner.id], memoryIO().io, env);
    const v = memoryIO({ tty: true });
    expect(await main(['tasks', 'show', t.id], v.io, env, { now: () => SEED_NOW })).toBe(0);
    const text = v.out();
    expect(text).toMatch(new RegExp(`^ID +${t.id}$`, 'm'));
    expect(text).toMatch(/^Type +call$/m);
    expect(text).toMatch(/^Status +completed$/m);
    expect(text).toMatch(new RegExp(`^Assignee +${owner.alias} \\(${owner.id}\\)$`, 'm'));
    expect(text).toMatch(
      new RegExp(`^Disposition +${t.disposition!.toLowerCase().replace(/_/g, ' ')}$`, 'm'),
    );
    // The age is kept whole on a narrow terminal: its words are joined by a no-break space.
    expect(text).toMatch(new RegExp(`^Created +${t.created_at} \\((\\d+(m|h|d|w|mo|y)\u00a0ago)\\)$`, 'm'));
    expect(text).toMatch(/^Skipped +—$/m);
  });

  it('tasks thread shows direction, channel, sender and wrapped bodies', async () => {
    const s = await sandbox();
    const t = s.store.state.tasks.find((x) => s.store.thread(x).length >= 2 && x.assignee_user_id)!;
    const messages = s.store.thread(t);
    const v = memoryIO({ tty: true, columns: 40 });
    const env = {
      TOPO_CONFIG_DIR: tempDir(),
      TOPO_API_URL: s.url,
      TOPO_API_KEY: 'topo_sandbox_rw',
      NO_COLOR: '1',
    };
    expect(await main(['tasks', 'thread', t.id], v.io, env)).toBe(0);
    const heads = v
      .out()
      .split('\n')
      .filter((l) => l.startsWith('→ ') || l.startsWith('← '));
    expect(heads).toHaveLength(messages.length);
    const run = s.store.run(t.sequence_id)!;
    const contact = run.contact_id ? s.store.contact(run.contact_id)! : undefined;
    const inbound = contact ? `${contact.first_name} ${contact.last_name}` : 'contact';
    messages.forEach((m, i) => {
      const arrow = m.direction === 'INBOUND' ? '← inbound' : '→ outbound';
      // 40 columns: the header fits, the sender cut (a UUID in the middle) and the age kept.
      const who = m.direction === 'INBOUND' ? inbound : m.sender_id!;
      expect(heads[i]!.startsWith(`${arrow} · ${m.channel.toLowerCase()} · ${who.slice(0, 4)}`)).toBe(true);
      expect(heads[i]).toMatch(/ · (\d+(mo|[mhdwy]) ago|just now)$/);
      expect(displayWidth(heads[i]!)).toBeLessThanOrEqual(40);
    });
    for (const line of v.out().split('\n'))
      if (line.startsWith('  ')) expect(line.length).toBeLessThanOrEqual(40);
  });
});
