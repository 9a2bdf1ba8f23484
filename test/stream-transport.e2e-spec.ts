import {
  CallHandler,
  ExecutionContext,
  Injectable,
  Module,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app-config';
import { installStreamTransport } from '../src/stream/sse-transport';
import { STREAM_ROUTE, StreamController } from '../src/stream/stream.controller';
import { makeDataDir, removeDataDir } from './support/test-app';

/** An interceptor as one might add for timing or auditing: it only passes the call on. */
@Injectable()
class TimingInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

/**
 * An interceptor on the stream route makes Nest defer the handler into an Observable nobody
 * subscribes to: every stream would hang unopened. The start-up check refuses such an app.
 */
describe('Stream transport start-up check', () => {
  let dataDir: string;
  let app: NestExpressApplication | undefined;

  beforeEach(() => {
    dataDir = makeDataDir();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    removeDataDir(dataDir);
  });

  function appModule() {
    const config = loadConfig({
      DATABASE_PATH: join(dataDir, 'liveblog.sqlite'),
      LOG_LEVEL: 'silent',
    });
    return AppModule.forRoot(config);
  }

  async function initialized(module: Parameters<typeof NestFactory.create>[0]) {
    app = await NestFactory.create<NestExpressApplication>(module, { logger: false });
    return app;
  }

  it('should pass the app as it is', async () => {
    const app = await initialized(appModule());
    await app.init();

    expect(() => installStreamTransport(app, STREAM_ROUTE)).not.toThrow();
  });

  it('should fail at start, naming it, when a global interceptor is added', async () => {
    const app = await initialized(appModule());
    app.useGlobalInterceptors(new TimingInterceptor());
    await app.init();

    expect(() => installStreamTransport(app, STREAM_ROUTE)).toThrow(
      /blogs\/:slug\/events cannot open streams: interceptors apply to it \(TimingInterceptor\)/,
    );
  });

  it('should fail at start when an interceptor is provided as APP_INTERCEPTOR', async () => {
    @Module({
      imports: [appModule()],
      providers: [{ provide: APP_INTERCEPTOR, useClass: TimingInterceptor }],
    })
    class WithGlobalInterceptor {}
    const app = await initialized(WithGlobalInterceptor);
    await app.init();

    expect(() => installStreamTransport(app, STREAM_ROUTE)).toThrow(/TimingInterceptor/);
  });

  it('should fail at start when an interceptor is bound to the stream handler', async () => {
    const descriptor = Object.getOwnPropertyDescriptor(StreamController.prototype, 'follow')!;
    UseInterceptors(TimingInterceptor)(StreamController.prototype, 'follow', descriptor);
    try {
      const app = await initialized(appModule());
      await app.init();

      expect(() => installStreamTransport(app, STREAM_ROUTE)).toThrow(/TimingInterceptor/);
    } finally {
      Reflect.deleteMetadata(INTERCEPTORS_METADATA, descriptor.value as object);
    }
  });

  it('should fail at start when the handler is no @Sse() route', async () => {
    const app = await initialized(appModule());
    await app.init();

    expect(() => installStreamTransport(app, { ...STREAM_ROUTE, handler: 'openStreams' })).toThrow(
      /has no openStreams\(\)/,
    );
  });
});
