import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, Logger, NotFoundException } from '@nestjs/common';

/** The page's files, beside this one (nest-cli.json copies them into dist/). */
const PAGE_DIR = join(__dirname, 'page');

/**
 * The browser may run only the page's own script and style, and send only to this origin: every
 * piece of outside text (task IDs, errors, dead letters) is set as text, and even a bug that
 * made it markup could not load or send anything.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The status page, `GET /`: static files, no CDN, no build step. They are served without the
 * token: they hold no data. The page asks for the token once (kept in sessionStorage) and sends
 * it with every data call (the admin API and `GET /status/data`), which ask for it.
 */
@Controller()
export class StatusPageController {
  private readonly logger = new Logger(StatusPageController.name);
  private readonly files = new Map<string, string>();

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return this.file('index.html');
  }

  @Get('status/page.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return this.file('page.js');
  }

  @Get('status/page.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  style(): string {
    return this.file('page.css');
  }

  /** Read once; a build that left the files out serves 404 and says why, the engine runs on. */
  private file(name: string): string {
    let text = this.files.get(name);
    if (text === undefined) {
      try {
        text = readFileSync(join(PAGE_DIR, name), 'utf8');
      } catch {
        this.logger.warn(`The status page's ${name} is missing from ${PAGE_DIR}`);
        throw new NotFoundException(`The status page's ${name} is missing from this build`);
      }
      this.files.set(name, text);
    }
    return text;
  }
}
