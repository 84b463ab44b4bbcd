import { applyDecorators, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { BearerTokenGuard } from './bearer-token.guard';
import { ErrorDto } from './dto/error.dto';

/**
 * What every admin controller has: the bearer token, asked for when one is configured, and its
 * query and route parameters checked by class-validator rules on DTO classes (text turned into
 * numbers by class-transformer; an unknown parameter, a misspelt `limt=`, is refused rather than
 * ignored).
 */
export function AdminApi(): ClassDecorator {
  return applyDecorators(
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ErrorDto, description: 'No or another bearer token.' }),
    UseGuards(BearerTokenGuard),
    UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true })),
  );
}
