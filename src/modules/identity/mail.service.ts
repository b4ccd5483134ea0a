/**
 * Mail: through nodemailer to SMTP_URL when set; otherwise into the outbox table that admins read
 * through `mailOutbox` outside production. Messages are queued on the context and leave only after
 * the transaction that caused them commits (see AppContext.afterCommit).
 */
import type { Transporter } from 'nodemailer';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../../config';
import type { AppContext } from '../../context/context';
import { MailMessage } from './mail-message.entity';
import { errorMessage } from '../../observe/log';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export class Mailer {
  private transport?: Transporter;
  constructor(private readonly config: AppConfig) {
    if (config.smtpUrl) {
      // required only with SMTP_URL: nodemailer's modules hold about 1 MB of heap for good once loaded
      // (bench/README.md "Idle RSS"), and an outbox deployment never uses them
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point (see above)
      const nodemailer = require('nodemailer') as typeof import('nodemailer');
      this.transport = nodemailer.createTransport(config.smtpUrl);
    }
  }

  get usesOutbox(): boolean {
    return !this.transport;
  }

  async deliver(mail: OutgoingMail): Promise<void> {
    if (!this.transport) return;
    await this.transport.sendMail({ from: this.config.mailFrom, ...mail });
  }

  close(): void {
    this.transport?.close();
  }
}

/** Records the mail in the given unit of work (outbox) or sends it after commit (SMTP). */
export function queueMail(ctx: AppContext, em: EntityManager, mail: OutgoingMail): void {
  if (ctx.app.mailer.usesOutbox) {
    em.persist(em.create(MailMessage, { to: mail.to, subject: mail.subject, text: mail.text, html: mail.html ?? null }));
  } else {
    ctx.afterCommit(() =>
      // never the mail itself in the log: it may carry a temporary password or a reset link
      ctx.app.mailer.deliver(mail).catch((err) => ctx.log.error({ component: 'mail', error: errorMessage(err) }, 'mail delivery failed')),
    );
  }
}
