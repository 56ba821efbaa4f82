/**
 * How the dashboard's API answers a failure: always JSON `{ "error": { "code", "message" } }`
 * with a 4xx status for what the request got wrong and 500 only for what the server did. A
 * library error keeps its stable code; its status follows from the code, so a bad find condition
 * is a 400, an unknown table a 404 and a write statement in the SQL box a 403.
 */
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { MlError, StoreError } from '../errors.js';

/** The body of every error answer. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** An error a route throws on purpose: its status, a stable code and a message for the person. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, code = 'E_BAD_REQUEST'): ApiError => new ApiError(400, code, message);
export const notFound = (message: string, code = 'E_NOT_FOUND'): ApiError => new ApiError(404, code, message);
export const forbidden = (message: string, code = 'E_FORBIDDEN'): ApiError => new ApiError(403, code, message);

const STATUS_OF_CODE: Readonly<Record<string, ContentfulStatusCode>> = {
  E_BAD_ARGUMENT: 400,
  E_BAD_INPUT: 400,
  E_FIND_SYNTAX: 400,
  E_SQL: 400,
  E_ML_ARGUMENT: 400,
  E_ML_DATA: 400,
  E_ML_EXTRAPOLATION: 400,
  E_TABLE_MISSING: 404,
  E_COLUMN_MISSING: 404,
  E_ML_RUN: 404,
  E_READ_ONLY: 403,
  E_RESERVED: 403,
  E_UNSAFE_PATH: 403,
  E_UNIQUE: 409,
  E_ALREADY_READ: 409,
  E_ML_CHECKPOINT: 409,
};

/** The status and body answering `error`. */
export function errorAnswer(error: unknown): { status: ContentfulStatusCode; body: ApiErrorBody } {
  if (error instanceof ApiError) return { status: error.status, body: { error: { code: error.code, message: error.message } } };
  if (error instanceof StoreError || error instanceof MlError) {
    return { status: STATUS_OF_CODE[error.code] ?? 500, body: { error: { code: error.code, message: error.message } } };
  }
  if (error instanceof HTTPException) return { status: error.status as ContentfulStatusCode, body: { error: { code: 'E_HTTP', message: error.message } } };
  if (error instanceof SyntaxError) return { status: 400, body: { error: { code: 'E_BAD_REQUEST', message: `malformed request body: ${error.message}` } } };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { error: { code: 'E_INTERNAL', message } } };
}
