/**
 * API entry point: connects to Temporal lazily (so the API starts, and answers
 * 503, while Temporal is down), listens, and closes cleanly on SIGINT/SIGTERM.
 */

import { parseAllowTargets } from '../activities/http-guard';
import { dataConverterOf, encryptionLogFields, payloadCodecFromConfigOrExit } from '../codec/payload-codec';
import { loadConfigOrExit } from '../config';
import { temporalConnectionSettings } from '../config/temporal-connection';
import { parseDuration } from '../domain/duration';
import { createLogger } from '../logger';
import { createTracing } from '../observability/tracing';
import { announceReady } from '../readiness';
import { createApp } from './app';
import { authOptionsFromConfig } from './auth';
import { parseHandlerNames } from './handler-names';
import { createTemporalClient } from './temporal-client';

/** Runs the API until SIGINT/SIGTERM (the `scheduler api` command). */
export async function runApi(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger('api', config.LOG_LEVEL);
  const codec = payloadCodecFromConfigOrExit(config);
  if (codec === null) {
    logger.warn('payloads are not encrypted (no PAYLOAD_KEYS / PAYLOAD_KEYS_FILE): job specs are stored in the clear');
  } else {
    logger.info(encryptionLogFields(codec), 'payload encryption on');
  }
  const tracing = config.OTEL_TRACING
    ? createTracing({ serviceName: 'scheduler-api', endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT })
    : null;
  const client = createTemporalClient(
    temporalConnectionSettings(config),
    config.TEMPORAL_NAMESPACE,
    tracing?.clientInterceptors ?? [],
    dataConverterOf(codec),
  );
  const auth = authOptionsFromConfig(config);
  if (auth.mode === 'disabled') {
    logger.warn(
      'AUTHENTICATION IS DISABLED (AUTH_DISABLED=true): anyone who reaches this port acts as an admin. Never do this on a network.',
    );
  } else {
    const users = new Set(auth.keys.map((k) => k.user_id)).size;
    if (auth.keys.length === 0) logger.warn('no API keys configured (API_KEYS, API_KEYS_FILE): every call gets 401');
    else logger.info({ keys: auth.keys.length, users }, 'API keys loaded');
  }
  const app = createApp({
    client,
    taskQueue: config.TASK_QUEUE,
    fireLeadMs: config.FIRE_LEAD === '0s' ? 0 : parseDuration(config.FIRE_LEAD),
    logger,
    auth,
    handlerNames: parseHandlerNames(config.HANDLER_NAMES),
    httpAllowTargets: parseAllowTargets(config.HTTP_ALLOW_TARGETS),
    console: { temporalUiUrl: config.TEMPORAL_UI_URL },
    rateLimit: {
      submissionsPerMinute: config.RATE_LIMIT_SUBMISSIONS_PER_MINUTE,
      writesPerMinute: config.RATE_LIMIT_WRITES_PER_MINUTE,
      readsPerMinute: config.RATE_LIMIT_READS_PER_MINUTE,
      failedLoginsPerMinute: config.RATE_LIMIT_FAILED_LOGINS_PER_MINUTE,
    },
    metricsRequireKey: config.METRICS_REQUIRE_KEY,
  });
  // Express 5 passes a listen error (EADDRINUSE, EACCES) to this callback instead of throwing it.
  const server = app.listen(config.API_PORT, config.API_HOST, (err?: Error) => {
    if (err !== undefined) {
      logger.fatal({ err, host: config.API_HOST, port: config.API_PORT }, `api cannot listen: ${err.message}`);
      process.exit(1);
    }
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.API_PORT;
    logger.info({ url: `http://${config.API_HOST}:${port}` }, 'api listening');
    announceReady('api');
  });
  const stop = (signal: string) => {
    logger.info({ signal }, 'api stopping');
    server.close(() => {
      void client.connection
        .close()
        .then(() => tracing?.shutdown())
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  runApi().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
