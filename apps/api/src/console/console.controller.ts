import { Controller, Get, Header, Redirect } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CONSOLE_HTML } from './console.page';
import { CONSOLE_SCRIPT } from './console.script';

/** Only this origin's script, styles inline in the page, media and streams from here. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; media-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The calls console: one HTML page and one script, served by the api (no front-end build).
 * It reads through the read API with the token the user types in, and follows calls live.
 */
@ApiTags('console')
@Controller()
export class ConsoleController {
  @Get()
  @Redirect('/console', 302)
  @ApiOperation({ summary: 'Redirects to the console' })
  root(): void {}

  @Get('console')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', CSP)
  @Header('x-content-type-options', 'nosniff')
  @Header('cache-control', 'no-cache')
  @ApiOperation({ summary: 'The calls console (HTML)' })
  @ApiProduces('text/html')
  page(): string {
    return CONSOLE_HTML;
  }

  @Get('console/app.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('x-content-type-options', 'nosniff')
  @Header('cache-control', 'no-cache')
  @ApiOperation({ summary: "The console's script" })
  @ApiProduces('text/javascript')
  script(): string {
    return CONSOLE_SCRIPT;
  }
}
