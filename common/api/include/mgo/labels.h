/* Labels and annotations the operator puts on what it creates. The launcher
 * writes them, the watcher selects by them: one definition for both. */
#ifndef MGO_LABELS_H
#define MGO_LABELS_H

#define MGO_LABEL_MANAGED_BY "app.kubernetes.io/managed-by"
#define MGO_MANAGED_BY "mgo"
/* The UID of the MustGather a Job or Pod belongs to. */
#define MGO_LABEL_UID "must-gather.openshift.io/uid"
/* Where a Job's gather image comes from: the configured default image, or
 * spec.mustGatherImage as the allowlist admitted it. The admission policies
 * (deploy/components/admission-policies) check each Job against the source
 * it names, so a Job cannot claim the default and run something else. */
#define MGO_LABEL_IMAGE_SOURCE "must-gather.openshift.io/image-source"
#define MGO_IMAGE_SOURCE_DEFAULT "default"
#define MGO_IMAGE_SOURCE_ALLOWLIST "allowlist"
#define MGO_ANNOTATION_NAME "must-gather.openshift.io/name"
#define MGO_ANNOTATION_TRACE "must-gather.openshift.io/trace"

#endif
