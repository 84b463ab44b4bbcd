import { Module } from '@nestjs/common';
import { StoreModule } from '../store/store.module';
import { LeaseSweeper } from './lease-sweeper.service';
import { RecoveryService } from './recovery.service';

/** What makes a crash cost little: restoring from Redis at start, and taking over lapsed leases. */
@Module({
  imports: [StoreModule],
  providers: [RecoveryService, LeaseSweeper],
  exports: [RecoveryService, LeaseSweeper],
})
export class RecoveryModule {}
