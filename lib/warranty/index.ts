/**
 * Warranty arithmetic (calendar months, day counts) and the catalogue lookup a registration
 * checks its product against.
 */

export { addCalendarMonths, daysBetween, isIsoDate, todayUtc } from "./dates.ts";
export type { CatalogLookup, CatalogModel } from "./catalog.ts";
export { lookupCatalog } from "./catalog.ts";
export type { RegistrationEntries, ResolvedRegistration } from "./validate.ts";
export { REGISTRATION_ERRORS, resolveRegistration, serialTaken } from "./validate.ts";
export type { WarrantyState } from "./state.ts";
export { INVOICE_CONTAINER, warrantyState } from "./state.ts";
export type { ProductModelFilter, ProductModelView } from "./models.ts";
export { listProductModels } from "./models.ts";
export type { ServiceRequest, ServiceRequestStatus } from "./service-requests.ts";
export {
  SERVICE_REQUEST_ERRORS,
  SERVICE_REQUEST_STATUS,
  insertServiceRequest,
  readServiceRequest,
  serviceRequestNotFound,
  updateServiceRequest,
} from "./service-requests.ts";
