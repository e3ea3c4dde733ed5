/**
 * The recorder's SIP stack (RFC 3261 layering): message → transaction → dialog → UA core, plus RFC 4028
 * session timers. The transports live in ./transport and meet the core through ./transport/types.ts.
 */
export * from './message/index.js';
export { systemClock, type Clock, type TimerHandle } from './transaction/clock.js';
export { DEFAULT_TIMER_VALUES, type SipTimerValues } from './transaction/timers.js';
export { ServerInviteTransaction, type ServerInviteState } from './transaction/server-invite-transaction.js';
export {
  ServerNonInviteTransaction,
  type ServerNonInviteState,
} from './transaction/server-non-invite-transaction.js';
export { ClientInviteTransaction, type ClientInviteState } from './transaction/client-invite-transaction.js';
export {
  ClientNonInviteTransaction,
  type ClientNonInviteState,
} from './transaction/client-non-invite-transaction.js';
export type {
  TransactionSender,
  ServerTransactionUser,
  ClientTransactionUser,
} from './transaction/delegates.js';
export { serverTransactionKey, clientTransactionKey } from './transaction/transaction-key.js';
export { Dialog, type DialogAcceptResult, type DialogRequestOptions } from './dialog/dialog.js';
export { DialogError, type DialogErrorCode } from './dialog/dialog-error.js';
export type { DialogSnapshot } from './dialog/dialog-snapshot.js';
export { SipCore, type SipCoreOptions } from './core/sip-core.js';
export type {
  SipTransactionUser,
  IncomingRequest,
  RespondOptions,
  ClientRequestHandlers,
  ClientTransactionHandle,
} from './core/transaction-user.js';
export {
  negotiateSessionTimer,
  RFC4028_MIN_SE,
  type SessionTimerPolicy,
  type SessionTimerResult,
} from './session-timer.js';
