import { Expose, Transform } from 'class-transformer';
import { IsUrl } from 'class-validator';
import { fieldValue } from '../../tasks/field-name';

/**
 * The ping tasks' own field, checked at ingest: `Url`, an absolute http or https URL (a host
 * without a TLD, such as localhost, is fine). The field is read as the seed reads it: the exact
 * name first, else any spelling that differs only in case (`url`), the last one winning. The ping
 * client checks the URL again before it GETs anything.
 */
export class PingPayload {
  // Exposed so that the transform runs when the message spells the field otherwise (only the
  // keys a payload has are copied by default).
  @Expose()
  @Transform(({ obj }) => fieldValue(obj as Record<string, unknown>, 'Url'), { toClassOnly: true })
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  readonly Url!: string;
}
