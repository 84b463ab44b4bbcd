import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import {
  createParamDecorator,
  type ExecutionContext,
  InternalServerErrorException,
  type RawBodyRequest,
  UnsupportedMediaTypeException,
} from '@nestjs/common';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * The request body exactly as sent, as text: a task sent without `ID` is named by a digest of its
 * text, and a number JSON cannot carry (`1e400`) must reach the checks as written, not as the
 * `null` a parsed and re-serialised body would hold. Nest keeps that text (`req.rawBody`) for
 * JSON bodies when the app is created with `{ rawBody: true }`.
 */
export const TaskText = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<RawBodyRequest<IncomingMessage>>();
  const { headers, rawBody } = request;
  if (!JSON_MEDIA_TYPE.test(headers['content-type'] ?? '')) {
    throw new UnsupportedMediaTypeException(
      'Send the task as JSON (Content-Type: application/json)',
    );
  }
  if (rawBody !== undefined) return rawBody.toString('utf8');
  // No body at all: the checks answer that it is no task.
  if (!hasBody(headers)) return '';
  throw new InternalServerErrorException(
    'The app does not keep request bodies as sent: create it with ' +
      'NestFactory.create(AppModule, { rawBody: true }) to serve POST /tasks',
  );
});

/** As the body parsers judge it: a body is announced by its length or a transfer encoding. */
function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length']) > 0;
}
