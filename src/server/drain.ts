/**
 * Graceful shutdown of the HTTP side (issue 11, "Readiness that tells the truth" and "No answer lost on
 * shutdown"), in two steps that server.ts `close()` takes:
 * 1. `drain()`, at SIGTERM: /readyz answers 503 (`draining: true`) for the pre-stop window
 *    (SHUTDOWN_DELAY_MS) so that a balancer stops sending first; requests are still served, each
 *    answered with `Connection: close` so that clients do not keep a socket to a server that is going.
 * 2. `close(server)`, when the window is over (run by Apollo's stop as its drainServer hook): every new
 *    request is answered 503 with `Retry-After` and `Connection: close` in its surface's envelope before
 *    anything of it runs; the server stops listening and destroys the idle keep-alive sockets (nothing is
 *    read from them any more); requests in flight finish and are answered with `Connection: close`, so
 *    each socket closes after its answer; what is still open after DRAIN_GRACE_MS is cut.
 * Before, Apollo's drain plugin half-closed idle keep-alive sockets while the server still read them: a
 * request that crossed the FIN (its headers still arriving, or sent right behind an answer) was executed
 * and saved, and its answer went nowhere ("other side closed").
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

/** How long requests in flight may take to finish once the server stopped accepting them. */
export const DRAIN_GRACE_MS = 10_000;

/** How long a refused request's body may take to arrive before the refusal is sent anyway. */
const BODY_WAIT_MS = 1_000;

export class Drain {
  /** SIGTERM came: not ready, still serving */
  draining = false;
  /** the pre-stop window is over: every new request is refused */
  refusing = false;
  private readonly inFlight = new Set<ServerResponse>();

  /** @param refusal writes the 503 answer of a refused request (status, Retry-After, envelope) */
  constructor(private readonly refusal: (req: IncomingMessage, res: ServerResponse) => void) {}

  /** The server's request listener around the application's. */
  listener(app: RequestListener): RequestListener {
    return (req, res) => {
      if (this.refusing) return this.refuse(req, res);
      if (this.draining) res.setHeader('Connection', 'close');
      this.inFlight.add(res);
      res.on('close', () => this.inFlight.delete(res));
      app(req, res);
    };
  }

  /** Step 1: not ready; answers from now on close their connection. */
  drain(): void {
    this.draining = true;
    this.closeAfterAnswer();
  }

  /** Step 2: refuse every new request, stop listening, and wait until every connection has closed. */
  async close(server: Server, graceMs = DRAIN_GRACE_MS): Promise<void> {
    this.draining = true;
    this.refusing = true;
    this.closeAfterAnswer();
    if (!server.listening) return;
    // stops listening and destroys idle connections at once (Node >= 19); resolves when the last one closed
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(cut);
  }

  private closeAfterAnswer(): void {
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
  }

  /**
   * Answers a refused request once its body has arrived (closing a socket with unread bytes resets it,
   * and the client would lose the answer), or after BODY_WAIT_MS.
   */
  private refuse(req: IncomingMessage, res: ServerResponse): void {
    let sent = false;
    const send = () => {
      if (sent) return;
      sent = true;
      clearTimeout(timer);
      if (!res.headersSent && !res.destroyed) this.refusal(req, res);
    };
    const timer = setTimeout(send, BODY_WAIT_MS);
    if (req.complete) return send();
    req.once('end', send);
    req.once('error', send);
    req.resume();
  }
}
