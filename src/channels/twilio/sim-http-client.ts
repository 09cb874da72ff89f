import http from 'node:http';
import twilio from 'twilio';

type RequestOptions<T> = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0] & { data?: T };

const TWILIO_API = /^https:\/\/api(\.[a-z0-9-]+)*\.twilio\.com/;

/**
 * The SDK's own RequestClient, pointed at the carrier simulator. Only the origin changes, so
 * sim mode runs exactly the SDK code (serialisation, auth header, error parsing) production runs.
 */
export class SimulatorRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: () => string,
    opts: ConstructorParameters<typeof twilio.RequestClient>[0] = {},
  ) {
    super(opts);
    // The SDK only configures an https agent; the simulator usually answers on plain http.
    this.axios.defaults.httpAgent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 64 });
  }

  // Called per request: in the web role the local port is only known once the server listens.
  override request<TData>(opts: RequestOptions<TData>) {
    const base = this.baseUrl().replace(/\/+$/, '');
    return super.request<TData>({ ...opts, uri: opts.uri.replace(TWILIO_API, base) });
  }
}
