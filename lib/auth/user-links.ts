// SLOTPROXY_ACL_SCRIPTS=cluster, part two: connections logged in as a node user (node-users.ts),
// one per node and user, shared by that user's clients. Nothing but AUTH is written before the
// node accepted the login: a command pipelined behind a refused AUTH would run as the node's
// default user, unchecked. A login refused once makes the proxy send the users to that node again
// (it may have restarted, or missed a reload) and try once more; then the commands fail.
import { BackendCommand } from '../backend/backend-command';
import { tick } from '../clock';
import { BackendConnection, type ConnectionHooks } from '../backend/backend-connection';
import type { BackendNode } from '../backend/backend-node';
import type { TlsMaterial } from '../backend/dial';
import { TYPE_ERROR } from '../protocol/records';
import type { Scanners } from '../protocol/scanners';
import { command } from '../protocol/resp';
import { NODE_USER_PREFIX, type NodeUser, type NodeUsers } from './node-users';

/** How long a login may take before the link is given up. */
const LOGIN_MS = 5000;

class AuthCommand extends BackendCommand {
  constructor(
    private readonly link: UserLink,
    user: NodeUser,
  ) {
    super(command(['AUTH', user.name, user.password]), -1, 0, tick() + LOGIN_MS);
  }

  sendTo(): void {}

  onReply(frame: Buffer, type: number): void {
    this.link.loggedIn(type === TYPE_ERROR ? frame.toString('latin1', 1).trim() : null);
  }

  onFailure(message: string): void {
    this.link.loggedIn(message);
  }

  get abandoned(): boolean {
    return false;
  }
}

export interface LinkOptions {
  scanners: Scanners;
  connectTimeoutMs: number;
  tls: TlsMaterial | null;
  /** what the proxy does after each read of replies (writes the clients' replies they completed) */
  onReadDone: () => void;
}

export class UserLink implements ConnectionHooks {
  readonly conn: BackendConnection;
  private ready = false;
  private retried = false;
  /** commands that arrived before the login was accepted */
  private waiting: BackendCommand[] = [];
  readonly onReadDone: () => void;

  constructor(
    private readonly links: UserLinks,
    readonly node: BackendNode,
    readonly user: NodeUser,
    options: LinkOptions,
  ) {
    this.onReadDone = options.onReadDone;
    const { host, port, address } = node;
    this.conn = new BackendConnection(host, port, address, options.scanners, { connectTimeoutMs: options.connectTimeoutMs, reconnect: false, tls: options.tls }, this);
    this.conn.send(new AuthCommand(this, user));
  }

  send(cmd: BackendCommand): void {
    if (this.ready) this.conn.send(cmd);
    else this.waiting.push(cmd);
  }

  /** The node's answer to AUTH: null when logged in, else why not. */
  loggedIn(problem: string | null): void {
    if (problem === null) {
      this.ready = true;
      for (const cmd of this.waiting.splice(0)) this.conn.send(cmd);
      return;
    }
    if (!this.retried && /WRONGPASS/.test(problem)) {
      this.retried = true;
      this.links.users.sync(this.node.address).then(
        () => this.conn.send(new AuthCommand(this, this.user)),
        (err: Error) => this.loggedIn(`${problem}; sending the users again failed: ${err.message}`),
      );
      return;
    }
    this.fail(`ERR slotproxy could not log in to ${this.node.address} as '${this.user.name}' to run the script: ${problem}; the command did not run`);
    this.conn.close('login refused');
  }

  onOrphaned(cmds: BackendCommand[]): void {
    for (const c of cmds) if (!(c instanceof AuthCommand)) c.onFailure(`ERR slotproxy: the connection to ${this.node.address} as '${this.user.name}' was lost; the command did not run`);
  }

  onLost(_conn: BackendConnection, reason: string): void {
    this.links.dropped(this);
    this.fail(`ERR slotproxy: ${reason}; the command did not run`);
  }

  private fail(message: string): void {
    for (const cmd of this.waiting.splice(0)) cmd.onFailure(message);
  }
}

/** The open links, by node and user. */
export class UserLinks {
  private readonly links = new Map<string, UserLink>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    readonly users: NodeUsers,
    private readonly options: LinkOptions,
    /** SLOTPROXY_REQUEST_TIMEOUT_MS, read per sweep */
    private readonly requestTimeoutMs: () => number,
  ) {}

  link(node: BackendNode, user: NodeUser): UserLink {
    const key = `${node.address}\0${user.name}`;
    let link = this.links.get(key);
    if (link && link.user.password !== user.password) {
      // the user's rules changed: its next commands log in again under the new ones
      link.conn.close('the user changed');
      link = undefined;
    }
    if (!link || link.conn.dead) {
      link = new UserLink(this, node, user, this.options);
      this.links.set(key, link);
      this.startSweeper();
    }
    return link;
  }

  /** Closes the links of users gone or changed (a reload). */
  prune(): void {
    for (const link of [...this.links.values()]) {
      if (this.users.get(link.user.name.slice(NODE_USER_PREFIX.length))?.password !== link.user.password) link.conn.close('the user changed');
    }
  }

  dropped(link: UserLink): void {
    const key = `${link.node.address}\0${link.user.name}`;
    if (this.links.get(key) === link) this.links.delete(key);
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const link of [...this.links.values()]) link.conn.close('slotproxy is shutting down');
  }

  /** Commands past their deadline get an error, as on the proxy's other connections. */
  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = tick();
      for (const link of this.links.values()) {
        const oldest = link.conn.oldestInFlight();
        if (oldest === null || oldest.deadline > now) continue;
        const what = oldest instanceof AuthCommand ? `${LOGIN_MS} ms (logging in as '${link.user.name}')` : `${this.requestTimeoutMs()} ms (SLOTPROXY_REQUEST_TIMEOUT_MS)`;
        link.conn.close(`no reply from ${link.node.address} within ${what}`);
      }
    }, 250);
    this.sweeper.unref();
  }
}
