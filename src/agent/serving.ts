/** What `credshare agent status|stop` reports and asks when it runs inside the agent itself. */
export interface AgentStatus {
  running: true;
  pid: number;
  build: string;
  version: string;
  home: string;
  socket: string;
  startedAt: number;
  uptimeSeconds: number;
  /** 0: never exits for being idle. */
  idleTimeoutSeconds: number;
  requestsServed: number;
  inFlight: number;
  /** Requests answered with `F` (the client ran the Node CLI). */
  fallbacks: number;
  lastRequestAt?: number;
}

export interface AgentControl {
  status(): AgentStatus;
  stop(reason: string): void;
}

let current: AgentControl | undefined;

/**
 * The agent this process is, if it is one: `credshare agent status` and `stop` sent to an
 * agent run in the agent (as every request does) and answer about it directly.
 */
export function servingAgent(): AgentControl | undefined {
  return current;
}

export function setServingAgent(agent: AgentControl | undefined): void {
  current = agent;
}
