/** The library's public face: the store, its errors and types, readers and writers, images and datasets. */
export { Store, STORE_SCHEMA_VERSION } from './store/store.js';
export type {
  OpenOptions,
  ReadOptions,
  FoundRow,
  SearchResult,
  TableListing,
  RowEdit,
  UpdateOptions,
  UpdateResult,
} from './store/store.js';
export type { ManagedTables, ManagedTransaction, ManagedTableDefinition } from './store/managed-tables.js';
export type { ColumnSummary } from './store/summary.js';
export type { UnitRow } from './store/catalog.js';
export { StoreError, type StoreErrorCode, MlError, type MlErrorCode } from './errors.js';
export type { ProgressCallback, ProgressEvent } from './progress.js';
export type { Cell, Row, LogicalType, ColumnInfo, TableInfo, ForeignKey } from './store/types.js';
export { parseRelations, type Relations, type TableRelations } from './store/relations.js';
export { parseFindCondition, type FindCondition } from './store/find-language.js';
export type { Backend, BackendCapabilities, SqlDialect } from './store/backend.js';
export { backendNames } from './backends/registry.js';
export type { Reader, TableSource, ReadResult, ReadContext, RawCell, UnitRecord, FileSink } from './readers/reader.js';
export { listReaders, readerFor } from './readers/registry.js';
export type { Writer, WriteContext } from './writers/writer.js';
export { writerNames } from './writers/registry.js';
export { toJson } from './json.js';
export { loadImages, type LoadImagesOptions, type LoadedImages, type CacheOutcome } from './images/load-images.js';
export type { TargetChannels } from './images/planar-pixels.js';
export { decodeImage } from './images/decode-image.js';
export { encodePng, decodePng } from './images/png-codec.js';
export { DEFAULT_MAX_PIXELS, type DecodeOptions } from './images/pixel-limit.js';
export type { DecodedImage, SampleCount } from './images/decoded-image.js';
export { readIdxImages, readIdxLabels, type IdxImages, type IdxLabels } from './images/idx-file.js';
export { addDataset, datasetNames, type AddDatasetOptions, type AddedDataset } from './datasets/add-dataset.js';
export type { DatasetName } from './datasets/known-datasets.js';
