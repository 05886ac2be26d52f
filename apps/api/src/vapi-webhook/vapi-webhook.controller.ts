import {
  Controller,
  Delete,
  Get,
  Header,
  MethodNotAllowedException,
  Patch,
  Put,
} from '@nestjs/common';

/**
 * The other verbs of /api/webhook/vapi, refused with 405 and `Allow: POST`. POST itself is
 * served by `VapiWebhookRoute`, outside the controller pipeline.
 */
@Controller('webhook/vapi')
export class VapiWebhookController {
  // Nest keeps one method decorator per handler, so each verb gets its own route.
  @Get()
  @Header('Allow', 'POST')
  rejectGet(): never {
    throw methodNotAllowed();
  }

  @Put()
  @Header('Allow', 'POST')
  rejectPut(): never {
    throw methodNotAllowed();
  }

  @Patch()
  @Header('Allow', 'POST')
  rejectPatch(): never {
    throw methodNotAllowed();
  }

  @Delete()
  @Header('Allow', 'POST')
  rejectDelete(): never {
    throw methodNotAllowed();
  }
}

const methodNotAllowed = (): MethodNotAllowedException =>
  new MethodNotAllowedException('Use POST to deliver VAPI server messages.');
