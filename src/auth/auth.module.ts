import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiToken } from './api-token.entity';
import { ApiTokensController } from './api-tokens.controller';
import { ApiTokensService } from './api-tokens.service';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { SetupController } from './setup.controller';
import { Session } from './session.entity';
import { SessionsService } from './sessions.service';
import { SetupService } from './setup.service';
import { User } from './user.entity';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User, Session, ApiToken])],
  controllers: [AuthController, ApiTokensController, SetupController],
  providers: [
    UsersService,
    SessionsService,
    ApiTokensService,
    AuthService,
    SetupService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [UsersService, SessionsService, SetupService, AuthService, ApiTokensService],
})
export class AuthModule {}
