import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@app/config';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Call records hold transcripts (personal data): when `API_TOKENS` is set, the read API needs
 * `Authorization: Bearer <token>`. Comparing fixed-length digests keeps it constant-time.
 */
@Injectable()
export class ReadApiGuard implements CanActivate {
  private readonly tokens: Buffer[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.tokens = config.readApiTokens.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.tokens.length === 0) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    if (!match) throw new UnauthorizedException('Bearer token required.');
    const presented = digest(match[1].trim());
    let ok = false;
    for (const token of this.tokens) ok = timingSafeEqual(token, presented) || ok;
    if (!ok) throw new UnauthorizedException('Invalid token.');
    return true;
  }
}
