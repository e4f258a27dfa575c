export { type BillingPeriod, computeBillingPeriod } from "./billing.ts";
export { BREAKER_LIMITS, breakerHolds, breakerWindowStart, type DeactivationBreaker } from "./breaker.ts";
export { normalizeCountry } from "./country.ts";
export {
  adopts,
  createsInDomain,
  type DirectoryClaim,
  type DomainConflict,
  domainConflicts,
  otherMaster,
  ownerMayWrite,
  userDomain,
} from "./directories.ts";
export {
  type DomainEvent,
  EVENT_TYPES,
  type EventData,
  type EventType,
  event,
  type NumberSource,
  PERSONAL_EVENT_KEYS,
} from "./events.ts";
export {
  type ExtensionRange,
  formatExtension,
  MAX_EXTENSION,
  parseExtension,
  validateExtensionRange,
} from "./extensions.ts";
export {
  byPrecedence,
  decideGroupRules,
  foldGroupName,
  GROUP_NAME_BLANKS,
  type GroupRule,
  matchingRules,
  type RuleDecision,
  type RuleMatch,
  ruleMatchesGroup,
  type UserGroup,
} from "./group-rules.ts";
export {
  isAreaCode,
  isE164,
  SANDBOX_NUMBERS_PER_AREA_CODE,
  sandboxCarrierNumber,
} from "./numbers.ts";
export { matchOffice, matchOfficeByName } from "./office-match.ts";
export { planBatch, planBatchInSlices, planNeeds } from "./plan/plan-batch.ts";
export { planInChunks } from "./plan/plan-chunks.ts";
export type {
  AdminRequest,
  CarrierOrderState,
  GiveUp,
  Outcome,
  Plan,
  PlanCompany,
  PlanInput,
  PlanNeeds,
  PlannedCharge,
  PlannedNumber,
  PlannedSeat,
  PlanResources,
  PlanUser,
  SeatChange,
  UserPlan,
  UserRowAfter,
} from "./plan/types.ts";
export {
  AWAITING_GROUP_RULES,
  DEFAULT_LICENSE_CATALOGUE,
  DEFAULT_LICENSE_TYPE,
  isProvisioningErrorCode,
  type LicenseType,
  type Office,
  type OfficeHints,
  PROVISIONING_ERROR_CODES,
  type ProvisioningErrorCode,
  remedyOf,
  type SeatCount,
  USER_STATUSES,
  type UserStatus,
} from "./types.ts";
export {
  checkWebhookUrl,
  DEFAULT_WEBHOOK_RETRY,
  isPublicAddress,
  type RetrySchedule,
  WEBHOOK_URL_MAX_LENGTH,
  type WebhookUrlCheck,
  webhookRetryDelayMs,
  webhookRetrySpanMs,
  webhookWants,
} from "./webhooks.ts";
