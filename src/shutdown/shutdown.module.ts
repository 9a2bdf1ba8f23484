import { Module } from '@nestjs/common';
import { ConnectionDrain } from './connection-drain';

@Module({
  providers: [ConnectionDrain],
})
export class ShutdownModule {}
