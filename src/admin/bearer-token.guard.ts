import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { DELAY_TASK_ADMIN_OPTIONS, type DelayTaskAdminOptions } from './admin.module-definition';

/** The scheme's name is case-insensitive (RFC 7235). */
const BEARER = /^Bearer +(.+)$/i;

/**
 * Lets a request through when no token is configured, or when it carries
 * `Authorization: Bearer <token>` with the configured token. The refusal never says which part was
 * wrong, and neither the expected nor the received token is ever logged or echoed.
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(DELAY_TASK_ADMIN_OPTIONS) options: DelayTaskAdminOptions) {
    // Trimmed, as HTTP trims a header's value: a token with a space at either end could never
    // be sent. An empty token means none.
    const token = options.token?.trim();
    if (token) this.expected = digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.expected === undefined) return true;
    const http = context.switchToHttp();
    const match = BEARER.exec(http.getRequest<IncomingMessage>().headers.authorization ?? '');
    // Digests of equal length, compared in constant time: the answer's timing tells nothing.
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    http.getResponse<ServerResponse>().setHeader('WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException('The admin API needs the header Authorization: Bearer <token>');
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
