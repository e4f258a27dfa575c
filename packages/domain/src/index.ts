export {
  type BillingPeriod,
  computeBillingPeriod,
  computeSeatCharge,
  proratedChargeCents,
  remainingDays,
} from "./billing.ts";
export {
  addDays,
  type CivilDate,
  daysBetween,
  daysInMonth,
  formatIsoDate,
  isIsoDate,
  isLeapYear,
  parseIsoDate,
} from "./calendar.ts";
export { countryName, isCountryCode, normalizeCountry } from "./country.ts";
export {
  type ChangeCause,
  type DomainEvent,
  EVENT_TYPES,
  type EventData,
  type EventType,
  event,
  isEventType,
  type NumberSource,
  PERSONAL_EVENT_KEYS,
} from "./events.ts";
export {
  type ExtensionRange,
  formatExtension,
  isInRange,
  lowestFreeExtension,
  MAX_EXTENSION,
  MAX_EXTENSION_RANGE_SIZE,
  parseExtension,
  validateExtensionRange,
} from "./extensions.ts";
export {
  byPrecedence,
  decideGroupRules,
  type GroupRule,
  matchingRules,
  type RuleDecision,
  type RuleMatch,
  ruleMatchesGroup,
  type UserGroup,
} from "./group-rules.ts";
export { planReconcile, type Step, statusAfter, type UserSnapshot } from "./lifecycle.ts";
export {
  isAreaCode,
  isE164,
  type NumberAssignment,
  type NumberPlan,
  type NumberPool,
  type NumberRequest,
  planNumberAssignments,
  SANDBOX_NUMBERS_PER_AREA_CODE,
  sandboxCarrierNumber,
} from "./numbers.ts";
export {
  byAge,
  foldOfficeName,
  freeSeats,
  type MatchedBy,
  type MatchOfficeInput,
  matchOffice,
  type OfficeMatch,
} from "./office-match.ts";
export {
  findClosestOffice,
  isOfficeLikeName,
  normalizeForDistance,
  OFFICE_SIMILARITY_THRESHOLD,
  officeNameSimilarity,
  type Similarity,
} from "./office-similarity.ts";
export { planBatch, planNeeds } from "./plan/plan-batch.ts";
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
export { type DecideSeatsInput, type DecideSeatsResult, decideSeat, decideSeats, type SeatDecision } from "./seats.ts";
export {
  DEFAULT_LICENSE_CATALOGUE,
  DEFAULT_LICENSE_TYPE,
  isProvisioningErrorCode,
  isUserStatus,
  type LicenseCatalogueEntry,
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
