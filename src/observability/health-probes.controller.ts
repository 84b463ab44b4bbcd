import { Controller, Get } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult } from '@nestjs/terminus';
import { Readiness } from './readiness';

/**
 * Probes for an orchestrator, without the token (they say only up or down, and why):
 * `GET /health/live` answers while the process serves HTTP (a restart would not help otherwise);
 * `GET /health/ready` answers 503 while Redis does not answer or due tasks wait too long.
 */
@Controller('health')
export class HealthProbesController {
  constructor(private readonly readiness: Readiness) {}

  @Get('live')
  live(): { status: 'ok'; uptimeSeconds: number } {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.readiness.check();
  }
}
