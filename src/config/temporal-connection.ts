/**
 * Connection options for Temporal from the configuration: address, TLS / mTLS from PEM
 * files, and the Temporal Cloud API key. Used by the API's client and by the worker.
 * Source: Temporal TypeScript SDK `ConnectionOptions` / `NativeConnectionOptions`
 * (`tls: true | { serverRootCACertificate, clientCertPair, serverNameOverride }`, `apiKey`).
 */
import { readFileSync } from 'node:fs';
import { type Config, temporalAddress } from './index';

/** TLS settings in the shape both `Connection` and `NativeConnection` take. */
export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/** The options common to `Connection.lazy/connect` (client) and `NativeConnection.connect` (worker). */
export interface TemporalConnectionSettings {
  address: string;
  /** `undefined` for plain text; an object (possibly empty: system roots) for TLS. */
  tls?: TemporalTls;
  apiKey?: string;
}

/**
 * Builds the connection options; reads the PEM files given by the config.
 * @throws {Error} when a PEM file cannot be read (loadConfig checked it was readable at start).
 */
export function temporalConnectionSettings(config: Config): TemporalConnectionSettings {
  const settings: TemporalConnectionSettings = { address: temporalAddress(config) };
  if (config.temporalTls) {
    const tls: TemporalTls = {};
    if (config.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = config.TEMPORAL_TLS_SERVER_NAME;
    if (config.TEMPORAL_TLS_CA_PATH) tls.serverRootCACertificate = readFileSync(config.TEMPORAL_TLS_CA_PATH);
    if (config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH) {
      tls.clientCertPair = {
        crt: readFileSync(config.TEMPORAL_TLS_CERT_PATH),
        key: readFileSync(config.TEMPORAL_TLS_KEY_PATH),
      };
    }
    settings.tls = tls;
  }
  if (config.TEMPORAL_API_KEY) settings.apiKey = config.TEMPORAL_API_KEY;
  return settings;
}
