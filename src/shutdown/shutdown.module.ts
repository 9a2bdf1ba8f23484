import { Global, Module } from '@nestjs/common';
import { ConnectionDrain } from './connection-drain';

@Global()
@Module({
  providers: [ConnectionDrain],
  exports: [ConnectionDrain],
})
export class ShutdownModule {}
