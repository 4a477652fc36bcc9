// A small Discord-compatible REST + gateway server on 127.0.0.1, enough for the real discord.js client to
// log in, receive interactions and messages, and answer them. Every REST call is recorded; faults (HTTP
// 500 or 429) can be injected on the next requests of a route.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const APP_ID = '100000000000000001';
export const BOT_ID = '100000000000000001';
export const GUILD_ID = '200000000000000002';
export const CHANNEL_ID = '300000000000000003';
/** A second and a third server, each with one channel. */
export const GUILD_B_ID = '200000000000000022';
export const CHANNEL_B_ID = '300000000000000033';
export const GUILD_C_ID = '200000000000000222';
export const CHANNEL_C_ID = '300000000000000333';
const CHANNEL_OF: Record<string, string> = { [GUILD_ID]: CHANNEL_ID, [GUILD_B_ID]: CHANNEL_B_ID, [GUILD_C_ID]: CHANNEL_C_ID };
/** The application's owner, as GET /applications/@me reports it. */
export const OWNER_ID = '700000000000000001';
export const THREAD_ID = '300000000000000099';
export const DM_CHANNEL_ID = '400000000000000004';

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  /** What the server answered (message objects carry the id Discord gave the message). */
  response: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  at: number;
}

let snowflake = 500000000000000000n;
export const nextId = () => String(++snowflake);

export function user(id: string, name = `user${id.slice(-3)}`) {
  return { id, username: name, discriminator: '0', global_name: name, avatar: null, bot: false };
}

const botUser = { id: BOT_ID, username: 'verbatim', discriminator: '0', global_name: null, avatar: null, bot: true };

function messageObject(channelId: string, body: any, extra: Record<string, unknown> = {}) {
  return {
    id: nextId(),
    channel_id: channelId,
    author: botUser,
    content: body?.content ?? '',
    embeds: body?.embeds ?? [],
    components: body?.components ?? [],
    attachments: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    type: body?.message_reference ? 19 : 0,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    flags: body?.flags ?? 0,
    ...extra,
  };
}

export interface Fault {
  match: RegExp;
  status: 500 | 429;
  times: number;
}

export class FakeDiscord {
  calls: Call[] = [];
  faults: Fault[] = [];
  attachments = new Map<string, Buffer>();
  sockets = new Set<WebSocket>();
  identifies: any[] = [];
  /** Servers the bot is in; READY lists them and a GUILD_CREATE follows for each. */
  guilds: string[] = [GUILD_ID];
  private seq = 0;
  private server = http.createServer((req, res) => void this.handle(req, res));
  private wss = new WebSocketServer({ server: this.server });
  private waiters: (() => void)[] = [];
  port = 0;

  async start(): Promise<void> {
    this.wss.on('connection', (ws) => this.onSocket(ws));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  attachmentUrl(name: string, content: string | Buffer): string {
    const key = `${nextId()}/${encodeURIComponent(name)}`;
    this.attachments.set(key, Buffer.from(content));
    return `http://127.0.0.1:${this.port}/attachments/${key}`;
  }

  /** Resolves with the first recorded call (from `since`) that satisfies `pred`. */
  async waitFor(pred: (c: Call) => boolean, timeoutMs = 20_000, since = 0): Promise<Call> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.calls.slice(since).find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timed out waiting for a Discord call; saw:\n${this.calls.slice(since).map((c) => `${c.method} ${c.path} ${c.status}`).join('\n')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  dispatch(t: string, d: unknown): void {
    const payload = JSON.stringify({ op: 0, t, s: ++this.seq, d });
    for (const ws of this.sockets) ws.send(payload);
  }

  /** Drops every gateway connection, as Discord does now and then; the client must come back. */
  disconnectAll(code = 4000): void {
    for (const ws of this.sockets) ws.close(code, 'test disconnect');
  }

  /** While true, the gateway drops every new connection at once (an outage): clients keep reconnecting. */
  gatewayDown = false;

  private onSocket(ws: WebSocket): void {
    if (this.gatewayDown) {
      ws.terminate();
      return;
    }
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41250 } }));
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.op === 1) ws.send(JSON.stringify({ op: 11 }));
      if (msg.op === 2) {
        this.identifies.push(msg.d);
        ws.send(
          JSON.stringify({
            op: 0,
            t: 'READY',
            s: ++this.seq,
            d: {
              v: 10,
              user: botUser,
              guilds: this.guilds.map((id) => ({ id, unavailable: true })),
              session_id: `session-${this.identifies.length}`,
              resume_gateway_url: `ws://127.0.0.1:${this.port}`,
              application: { id: APP_ID, flags: 0 },
              shard: [0, 1],
            },
          }),
        );
        for (const id of this.guilds) ws.send(JSON.stringify({ op: 0, t: 'GUILD_CREATE', s: ++this.seq, d: this.guild(id) }));
      }
      if (msg.op === 6) ws.send(JSON.stringify({ op: 0, t: 'RESUMED', s: ++this.seq, d: {} }));
    });
  }

  /** The bot is added to a server. */
  addGuild(id: string): void {
    if (!this.guilds.includes(id)) this.guilds.push(id);
    this.dispatch('GUILD_CREATE', this.guild(id));
  }

  /** The bot is removed from a server (kicked, or it left). */
  removeGuild(id: string): void {
    this.guilds = this.guilds.filter((g) => g !== id);
    this.dispatch('GUILD_DELETE', { id });
  }

  private guild(id = GUILD_ID) {
    const channel = CHANNEL_OF[id] ?? `3${id.slice(1)}`;
    return {
      id,
      name: id === GUILD_ID ? 'Test server' : `Server ${id.slice(-3)}`,
      icon: null,
      owner_id: '999',
      unavailable: false,
      roles: [{ id, name: '@everyone', permissions: '0', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
      emojis: [],
      stickers: [],
      features: [],
      channels: [{ id: channel, type: 0, name: 'general', guild_id: id, position: 0, permission_overwrites: [] }],
      threads:
        id === GUILD_ID
          ? [{ id: THREAD_ID, type: 11, name: 'a question', guild_id: GUILD_ID, parent_id: CHANNEL_ID, owner_id: BOT_ID, thread_metadata: { archived: false, auto_archive_duration: 60, archive_timestamp: new Date().toISOString(), locked: false } }]
          : [],
      members: [],
      voice_states: [],
      presences: [],
      member_count: 3,
      large: false,
      joined_at: new Date().toISOString(),
      premium_tier: 0,
      system_channel_flags: 0,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      preferred_locale: 'en-US',
      afk_timeout: 300,
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: any = null;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        // multipart (attachments) — keep the JSON part if there is one
        const m = /\{[\s\S]*\}/.exec(raw);
        body = m ? JSON.parse(m[0]) : raw;
      }
    }
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v\d+/, '');
    const send = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
      this.calls.push({ method: req.method ?? 'GET', path, query: url.searchParams, body, status, response: data, at: Date.now() });
      res.writeHead(status, data === undefined ? headers : { 'content-type': 'application/json', ...headers });
      res.end(data === undefined ? undefined : JSON.stringify(data));
      for (const w of this.waiters.splice(0)) w();
    };

    if (url.pathname.startsWith('/attachments/')) {
      const file = this.attachments.get(url.pathname.slice('/attachments/'.length));
      res.writeHead(file ? 200 : 404, { 'content-type': 'application/octet-stream' });
      res.end(file ?? 'not found');
      return;
    }
    const fault = this.faults.find((f) => f.times > 0 && f.match.test(`${req.method} ${path}`));
    if (fault) {
      fault.times--;
      if (fault.status === 429) {
        send(429, { message: 'You are being rate limited.', retry_after: 0.2, global: false }, { 'retry-after': '1', 'x-ratelimit-scope': 'user' });
      } else {
        send(500, { message: 'Internal Server Error', code: 0 });
      }
      return;
    }

    let m: RegExpExecArray | null;
    if (req.method === 'GET' && path === '/gateway/bot') {
      return send(200, { url: `ws://127.0.0.1:${this.port}`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } });
    }
    if (req.method === 'GET' && path === '/applications/@me') {
      return send(200, { id: APP_ID, name: 'verbatim', icon: null, description: '', bot_public: true, bot_require_code_grant: false, owner: user(OWNER_ID, 'owner'), team: null, verify_key: '', flags: 0 });
    }
    if (req.method === 'DELETE' && (m = /^\/users\/@me\/guilds\/(\d+)$/.exec(path))) {
      const id = m[1];
      setTimeout(() => this.removeGuild(id), 10);
      return send(204);
    }
    if (req.method === 'PUT' && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(path)) {
      return send(200, (body as any[]).map((c) => ({ ...c, id: nextId(), application_id: APP_ID, version: '1' })));
    }
    if (req.method === 'POST' && (m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path))) {
      if (url.searchParams.get('with_response') === 'true') {
        const message = messageObject(CHANNEL_ID, body?.data);
        return send(200, { interaction: { id: m[1], type: 2, response_message_id: message.id, response_message_loading: false, response_message_ephemeral: false }, resource: { type: body?.type, message } });
      }
      return send(204);
    }
    if (req.method === 'PATCH' && /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/.test(path)) return send(200, messageObject(CHANNEL_ID, body));
    if (req.method === 'POST' && /^\/webhooks\/\d+\/[^/]+$/.test(path)) return send(200, messageObject(CHANNEL_ID, body));
    if (req.method === 'GET' && /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/.test(path)) return send(200, messageObject(CHANNEL_ID, {}));
    if (req.method === 'POST' && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) return send(200, messageObject(m[1], body));
    if (req.method === 'POST' && /^\/channels\/\d+\/typing$/.test(path)) return send(204);
    process.stderr.write(`fake discord: unknown route ${req.method} ${path}\n`);
    return send(404, { message: 'Unknown route', code: 0 });
  }
}

// ——— payload builders for the tests ———

export function slash(name: string, options: unknown[], opts: { userId?: string; admin?: boolean; dm?: boolean; resolved?: unknown; guildId?: string } = {}) {
  const u = user(opts.userId ?? '700000000000000007');
  const base = {
    id: nextId(),
    application_id: APP_ID,
    type: 2,
    token: `token-${nextId()}`,
    version: 1,
    locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: {},
    app_permissions: '2248473465835073',
    data: { id: nextId(), name, type: 1, options, ...(opts.resolved ? { resolved: opts.resolved } : {}) },
  };
  if (opts.dm) return { ...base, channel_id: DM_CHANNEL_ID, channel: { id: DM_CHANNEL_ID, type: 1 }, user: u, context: 1 };
  const guildId = opts.guildId ?? GUILD_ID;
  const channelId = CHANNEL_OF[guildId] ?? `3${guildId.slice(1)}`;
  return {
    ...base,
    guild_id: guildId,
    guild_locale: 'en-US',
    channel_id: channelId,
    channel: { id: channelId, type: 0 },
    context: 0,
    member: { user: u, roles: [], permissions: opts.admin ? '32' : '0', joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
  };
}

export function button(customId: string, messageId: string, userId = '700000000000000007', guildId = GUILD_ID) {
  const channelId = CHANNEL_OF[guildId] ?? CHANNEL_ID;
  return {
    id: nextId(),
    application_id: APP_ID,
    type: 3,
    token: `token-${nextId()}`,
    version: 1,
    locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: {},
    guild_id: guildId,
    channel_id: channelId,
    channel: { id: channelId, type: 0 },
    context: 0,
    member: { user: user(userId), roles: [], permissions: '0', joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
    data: { custom_id: customId, component_type: 2 },
    message: messageObject(channelId, { content: '' }, { id: messageId }),
  };
}

export function message(content: string, opts: { userId?: string; dm?: boolean; mention?: boolean; replyTo?: string; channelId?: string; guildId?: string } = {}) {
  const author = user(opts.userId ?? '700000000000000008');
  const guildId = opts.guildId ?? GUILD_ID;
  const channelId = opts.channelId ?? (opts.dm ? DM_CHANNEL_ID : (CHANNEL_OF[guildId] ?? CHANNEL_ID));
  return {
    id: nextId(),
    channel_id: channelId,
    channel_type: opts.dm ? 1 : channelId === THREAD_ID ? 11 : 0, // Discord includes it, and discord.js needs it for DMs
    ...(opts.dm ? {} : { guild_id: guildId, member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 } }),
    author,
    content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: opts.mention ? [botUser] : [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    type: opts.replyTo ? 19 : 0,
    flags: 0,
    ...(opts.replyTo ? { message_reference: { message_id: opts.replyTo, channel_id: channelId, guild_id: opts.dm ? undefined : guildId } } : {}),
  };
}
