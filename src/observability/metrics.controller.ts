import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { BearerTokenGuard } from '../admin/bearer-token.guard';
import { ObservabilityMetrics } from './observability-metrics.service';

/** `GET /metrics`: Prometheus text format, behind the token when one is set. */
@Controller('metrics')
@UseGuards(BearerTokenGuard)
export class MetricsController {
  constructor(private readonly metrics: ObservabilityMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
