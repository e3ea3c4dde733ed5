/**
 * Names shared by the API, the builders and the controllers: the API group, the labels and annotations
 * put on every child, the field manager and the condition vocabulary.
 */

/** API group of the siprec.io custom resources. */
export const API_GROUP = 'siprec.io';
/** Served and stored version. */
export const API_VERSION = 'v1alpha1';
/** `siprec.io/v1alpha1`. */
export const GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

/** Kind names. */
export const KIND_RECORDER = 'SiprecRecorder';
export const KIND_POLICY = 'RecordingPolicy';

/** Recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels). */
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';

/** Value of app.kubernetes.io/managed-by on every child; the child informers select on it. */
export const MANAGED_BY = 'siprec-operator';

/** Hash of the desired child object, compared before any write. */
export const ANNOTATION_SPEC_HASH = 'siprec.io/spec-hash';

/** Server-side apply field manager of every write the operator makes. */
export const FIELD_MANAGER = 'siprec-operator';

/** Condition types of a SiprecRecorder. */
export const CONDITION_READY = 'Ready';
export const CONDITION_PROGRESSING = 'Progressing';
export const CONDITION_DEGRADED = 'Degraded';
/** Condition type of a RecordingPolicy. */
export const CONDITION_VALID = 'Valid';

/** Where the recorder pod finds things (the mounts the StatefulSet builder creates). */
export const RECORDER_PATHS = {
  recordings: '/var/lib/siprec/recordings',
  config: '/etc/siprec/config',
  policyFile: '/etc/siprec/config/policies.json',
  tls: '/etc/siprec/tls',
  clientCa: '/etc/siprec/client-ca',
  tmp: '/tmp',
} as const;

/** The recorder's single HTTP port (/healthz, /readyz, /metrics; DESIGN.md §3). */
export const RECORDER_HTTP_PORT = 8080;
/** Port of the managed Redis. */
export const REDIS_PORT = 6379;
