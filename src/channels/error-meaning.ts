/**
 * The plain-words meaning of a provider's error code, for delivery reports. The codes are the
 * provider's, so the one table lives with its channel (twilio/errors.ts); domain code reads it here.
 */
export { plainMeaning } from './twilio/errors';
