/** RFC 7865 recording metadata in every dialect: parsing, partial/complete merging, m-line mapping. */
export { mergeMetadata } from './merge.js';
export { cleanName } from './model.js';
export { parseMetadata } from './parse.js';
export { sanitiseXml, type SanitiseResult } from './sanitise.js';
export { mapStreamsToParticipants, type StreamMapping } from './stream-map.js';
export type {
  MetadataDialect,
  MetadataErrorCode,
  MetadataExtension,
  MetadataParticipant,
  MetadataStream,
  MetadataVendor,
  ParseMetadataResult,
  RecordingMetadata,
} from './types.js';
export { MAX_METADATA_BYTES, MAX_METADATA_DEPTH, MAX_METADATA_ELEMENTS } from './xml-guard.js';
