/// kustomize v5.8.1's built-in field specs, one per line: `Kind group version path [create]` (`-` for any), under a
/// `[section]` heading; a `[nameReference Kind group version]` heading names the referred type and is followed by
/// the fields that refer to it. A `\/` in a path is a slash inside one key.
enum DefaultFieldSpecs {
    static let text = #"""
[namePrefix]
- - - metadata/name
[nameSuffix]
- - - metadata/name
[commonLabels]
Service - v1 spec/selector create
ReplicationController - v1 spec/selector create
Deployment - - spec/selector/matchLabels create
Deployment apps - spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
Deployment apps - spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
Deployment apps - spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
Deployment apps - spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
Deployment apps - spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels
ReplicaSet - - spec/selector/matchLabels create
DaemonSet - - spec/selector/matchLabels create
StatefulSet apps - spec/selector/matchLabels create
StatefulSet apps - spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
StatefulSet apps - spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
StatefulSet apps - spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
StatefulSet apps - spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
StatefulSet apps - spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels
Job batch - spec/selector/matchLabels
CronJob batch - spec/jobTemplate/spec/selector/matchLabels
PodDisruptionBudget policy - spec/selector/matchLabels
NetworkPolicy networking.k8s.io - spec/podSelector/matchLabels
NetworkPolicy networking.k8s.io - spec/ingress/from/podSelector/matchLabels
NetworkPolicy networking.k8s.io - spec/egress/to/podSelector/matchLabels
- - - metadata/labels create
ReplicationController - v1 spec/template/metadata/labels create
Deployment - - spec/template/metadata/labels create
ReplicaSet - - spec/template/metadata/labels create
DaemonSet - - spec/template/metadata/labels create
StatefulSet apps - spec/template/metadata/labels create
StatefulSet apps - spec/volumeClaimTemplates[]/metadata/labels create
Job batch - spec/template/metadata/labels create
CronJob batch - spec/jobTemplate/metadata/labels create
CronJob batch - spec/jobTemplate/spec/template/metadata/labels create
[templateLabels]
- - - metadata/labels create
ReplicationController - v1 spec/template/metadata/labels create
Deployment - - spec/template/metadata/labels create
ReplicaSet - - spec/template/metadata/labels create
DaemonSet - - spec/template/metadata/labels create
StatefulSet apps - spec/template/metadata/labels create
StatefulSet apps - spec/volumeClaimTemplates[]/metadata/labels create
Job batch - spec/template/metadata/labels create
CronJob batch - spec/jobTemplate/metadata/labels create
CronJob batch - spec/jobTemplate/spec/template/metadata/labels create
[commonAnnotations]
- - - metadata/annotations create
ReplicationController - v1 spec/template/metadata/annotations create
Deployment - - spec/template/metadata/annotations create
ReplicaSet - - spec/template/metadata/annotations create
DaemonSet - - spec/template/metadata/annotations create
StatefulSet - - spec/template/metadata/annotations create
Job batch - spec/template/metadata/annotations create
CronJob batch - spec/jobTemplate/metadata/annotations create
CronJob batch - spec/jobTemplate/spec/template/metadata/annotations create
[namespace]
Namespace - - metadata/name create
APIService apiregistration.k8s.io - spec/service/namespace create
CustomResourceDefinition apiextensions.k8s.io - spec/conversion/webhook/clientConfig/service/namespace
[varReference]
CronJob - - spec/jobTemplate/spec/template/spec/containers/args
CronJob - - spec/jobTemplate/spec/template/spec/containers/command
CronJob - - spec/jobTemplate/spec/template/spec/containers/env/value
CronJob - - spec/jobTemplate/spec/template/spec/containers/volumeMounts/mountPath
CronJob - - spec/jobTemplate/spec/template/spec/initContainers/args
CronJob - - spec/jobTemplate/spec/template/spec/initContainers/command
CronJob - - spec/jobTemplate/spec/template/spec/initContainers/env/value
CronJob - - spec/jobTemplate/spec/template/spec/initContainers/volumeMounts/mountPath
CronJob - - spec/jobTemplate/spec/template/volumes/nfs/server
DaemonSet - - spec/template/spec/containers/args
DaemonSet - - spec/template/spec/containers/command
DaemonSet - - spec/template/spec/containers/env/value
DaemonSet - - spec/template/spec/containers/volumeMounts/mountPath
DaemonSet - - spec/template/spec/initContainers/args
DaemonSet - - spec/template/spec/initContainers/command
DaemonSet - - spec/template/spec/initContainers/env/value
DaemonSet - - spec/template/spec/initContainers/volumeMounts/mountPath
DaemonSet - - spec/template/spec/volumes/nfs/server
Deployment - - spec/template/spec/containers/args
Deployment - - spec/template/spec/containers/command
Deployment - - spec/template/spec/containers/env/value
Deployment - - spec/template/spec/containers/volumeMounts/mountPath
Deployment - - spec/template/spec/initContainers/args
Deployment - - spec/template/spec/initContainers/command
Deployment - - spec/template/spec/initContainers/env/value
Deployment - - spec/template/spec/initContainers/volumeMounts/mountPath
Deployment - - spec/template/spec/volumes/nfs/server
Deployment - - spec/template/metadata/annotations
Ingress - - spec/rules/host
Ingress - - spec/tls/hosts
Ingress - - spec/tls/secretName
Job - - spec/template/spec/containers/args
Job - - spec/template/spec/containers/command
Job - - spec/template/spec/containers/env/value
Job - - spec/template/spec/containers/volumeMounts/mountPath
Job - - spec/template/spec/initContainers/args
Job - - spec/template/spec/initContainers/command
Job - - spec/template/spec/initContainers/env/value
Job - - spec/template/spec/initContainers/volumeMounts/mountPath
Job - - spec/template/spec/volumes/nfs/server
Pod - - spec/containers/args
Pod - - spec/containers/command
Pod - - spec/containers/env/value
Pod - - spec/containers/volumeMounts/mountPath
Pod - - spec/initContainers/args
Pod - - spec/initContainers/command
Pod - - spec/initContainers/env/value
Pod - - spec/initContainers/volumeMounts/mountPath
Pod - - spec/volumes/nfs/server
ReplicaSet - - spec/template/spec/containers/args
ReplicaSet - - spec/template/spec/containers/command
ReplicaSet - - spec/template/spec/containers/env/value
ReplicaSet - - spec/template/spec/containers/volumeMounts/mountPath
ReplicaSet - - spec/template/spec/initContainers/args
ReplicaSet - - spec/template/spec/initContainers/command
ReplicaSet - - spec/template/spec/initContainers/env/value
ReplicaSet - - spec/template/spec/initContainers/volumeMounts/mountPath
ReplicaSet - - spec/template/spec/volumes/nfs/server
Service - - spec/ports/port
Service - - spec/ports/targetPort
StatefulSet - - spec/template/spec/containers/args
StatefulSet - - spec/template/spec/containers/command
StatefulSet - - spec/template/spec/containers/env/value
StatefulSet - - spec/template/spec/containers/volumeMounts/mountPath
StatefulSet - - spec/template/spec/initContainers/args
StatefulSet - - spec/template/spec/initContainers/command
StatefulSet - - spec/template/spec/initContainers/env/value
StatefulSet - - spec/template/spec/initContainers/volumeMounts/mountPath
StatefulSet - - spec/volumeClaimTemplates/spec/nfs/server
PersistentVolume - - spec/nfs/server
- - - metadata/labels
- - - metadata/annotations
[images]
- - - spec/containers[]/image create
- - - spec/initContainers[]/image create
- - - spec/volumes[]/image/reference create
- - - spec/template/spec/containers[]/image create
- - - spec/template/spec/initContainers[]/image create
- - - spec/template/spec/volumes[]/image/reference create
[replicas]
Deployment - - spec/replicas create
ReplicationController - - spec/replicas create
ReplicaSet - - spec/replicas create
StatefulSet - - spec/replicas create
[nameReference Deployment - -]
HorizontalPodAutoscaler - - spec/scaleTargetRef/name
[nameReference ReplicationController - -]
HorizontalPodAutoscaler - - spec/scaleTargetRef/name
[nameReference ReplicaSet - -]
HorizontalPodAutoscaler - - spec/scaleTargetRef/name
[nameReference StatefulSet - -]
HorizontalPodAutoscaler - - spec/scaleTargetRef/name
[nameReference ConfigMap - v1]
Pod - v1 spec/volumes/configMap/name
Pod - v1 spec/containers/env/valueFrom/configMapKeyRef/name
Pod - v1 spec/initContainers/env/valueFrom/configMapKeyRef/name
Pod - v1 spec/containers/envFrom/configMapRef/name
Pod - v1 spec/initContainers/envFrom/configMapRef/name
Pod - v1 spec/volumes/projected/sources/configMap/name
PodTemplate - - template/spec/volumes/configMap/name
PodTemplate - - template/spec/containers/env/valueFrom/configMapKeyRef/name
PodTemplate - - template/spec/initContainers/env/valueFrom/configMapKeyRef/name
PodTemplate - - template/spec/containers/envFrom/configMapRef/name
PodTemplate - - template/spec/initContainers/envFrom/configMapRef/name
PodTemplate - - template/spec/volumes/projected/sources/configMap/name
Deployment - - spec/template/spec/volumes/configMap/name
Deployment - - spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
Deployment - - spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
Deployment - - spec/template/spec/containers/envFrom/configMapRef/name
Deployment - - spec/template/spec/initContainers/envFrom/configMapRef/name
Deployment - - spec/template/spec/volumes/projected/sources/configMap/name
ReplicaSet - - spec/template/spec/volumes/configMap/name
ReplicaSet - - spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
ReplicaSet - - spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
ReplicaSet - - spec/template/spec/containers/envFrom/configMapRef/name
ReplicaSet - - spec/template/spec/initContainers/envFrom/configMapRef/name
ReplicaSet - - spec/template/spec/volumes/projected/sources/configMap/name
DaemonSet - - spec/template/spec/volumes/configMap/name
DaemonSet - - spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
DaemonSet - - spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
DaemonSet - - spec/template/spec/containers/envFrom/configMapRef/name
DaemonSet - - spec/template/spec/initContainers/envFrom/configMapRef/name
DaemonSet - - spec/template/spec/volumes/projected/sources/configMap/name
StatefulSet - - spec/template/spec/volumes/configMap/name
StatefulSet - - spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
StatefulSet - - spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
StatefulSet - - spec/template/spec/containers/envFrom/configMapRef/name
StatefulSet - - spec/template/spec/initContainers/envFrom/configMapRef/name
StatefulSet - - spec/template/spec/volumes/projected/sources/configMap/name
Job - - spec/template/spec/volumes/configMap/name
Job - - spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
Job - - spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
Job - - spec/template/spec/containers/envFrom/configMapRef/name
Job - - spec/template/spec/initContainers/envFrom/configMapRef/name
Job - - spec/template/spec/volumes/projected/sources/configMap/name
CronJob - - spec/jobTemplate/spec/template/spec/volumes/configMap/name
CronJob - - spec/jobTemplate/spec/template/spec/volumes/projected/sources/configMap/name
CronJob - - spec/jobTemplate/spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
CronJob - - spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
CronJob - - spec/jobTemplate/spec/template/spec/containers/envFrom/configMapRef/name
CronJob - - spec/jobTemplate/spec/template/spec/initContainers/envFrom/configMapRef/name
Node - - spec/configSource/configMap
Role - - rules/resourceNames
ClusterRole - - rules/resourceNames
Ingress - - metadata/annotations/nginx.ingress.kubernetes.io\/fastcgi-params-configmap
[nameReference Secret - v1]
Pod - v1 spec/volumes/secret/secretName
Pod - v1 spec/containers/env/valueFrom/secretKeyRef/name
Pod - v1 spec/initContainers/env/valueFrom/secretKeyRef/name
Pod - v1 spec/containers/envFrom/secretRef/name
Pod - v1 spec/initContainers/envFrom/secretRef/name
Pod - v1 spec/imagePullSecrets/name
Pod - v1 spec/volumes/projected/sources/secret/name
PodTemplate - - template/spec/volumes/secret/secretName
PodTemplate - - template/spec/containers/env/valueFrom/secretKeyRef/name
PodTemplate - - template/spec/initContainers/env/valueFrom/secretKeyRef/name
PodTemplate - - template/spec/containers/envFrom/secretRef/name
PodTemplate - - template/spec/initContainers/envFrom/secretRef/name
PodTemplate - - template/spec/imagePullSecrets/name
PodTemplate - - template/spec/volumes/projected/sources/secret/name
Deployment - - spec/template/spec/volumes/secret/secretName
Deployment - - spec/template/spec/containers/env/valueFrom/secretKeyRef/name
Deployment - - spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
Deployment - - spec/template/spec/containers/envFrom/secretRef/name
Deployment - - spec/template/spec/initContainers/envFrom/secretRef/name
Deployment - - spec/template/spec/imagePullSecrets/name
Deployment - - spec/template/spec/volumes/projected/sources/secret/name
ReplicaSet - - spec/template/spec/volumes/secret/secretName
ReplicaSet - - spec/template/spec/containers/env/valueFrom/secretKeyRef/name
ReplicaSet - - spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
ReplicaSet - - spec/template/spec/containers/envFrom/secretRef/name
ReplicaSet - - spec/template/spec/initContainers/envFrom/secretRef/name
ReplicaSet - - spec/template/spec/imagePullSecrets/name
ReplicaSet - - spec/template/spec/volumes/projected/sources/secret/name
DaemonSet - - spec/template/spec/volumes/secret/secretName
DaemonSet - - spec/template/spec/containers/env/valueFrom/secretKeyRef/name
DaemonSet - - spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
DaemonSet - - spec/template/spec/containers/envFrom/secretRef/name
DaemonSet - - spec/template/spec/initContainers/envFrom/secretRef/name
DaemonSet - - spec/template/spec/imagePullSecrets/name
DaemonSet - - spec/template/spec/volumes/projected/sources/secret/name
StatefulSet - - spec/template/spec/volumes/secret/secretName
StatefulSet - - spec/template/spec/containers/env/valueFrom/secretKeyRef/name
StatefulSet - - spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
StatefulSet - - spec/template/spec/containers/envFrom/secretRef/name
StatefulSet - - spec/template/spec/initContainers/envFrom/secretRef/name
StatefulSet - - spec/template/spec/imagePullSecrets/name
StatefulSet - - spec/template/spec/volumes/projected/sources/secret/name
Job - - spec/template/spec/volumes/secret/secretName
Job - - spec/template/spec/containers/env/valueFrom/secretKeyRef/name
Job - - spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
Job - - spec/template/spec/containers/envFrom/secretRef/name
Job - - spec/template/spec/initContainers/envFrom/secretRef/name
Job - - spec/template/spec/imagePullSecrets/name
Job - - spec/template/spec/volumes/projected/sources/secret/name
CronJob - - spec/jobTemplate/spec/template/spec/volumes/secret/secretName
CronJob - - spec/jobTemplate/spec/template/spec/volumes/projected/sources/secret/name
CronJob - - spec/jobTemplate/spec/template/spec/containers/env/valueFrom/secretKeyRef/name
CronJob - - spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
CronJob - - spec/jobTemplate/spec/template/spec/containers/envFrom/secretRef/name
CronJob - - spec/jobTemplate/spec/template/spec/initContainers/envFrom/secretRef/name
CronJob - - spec/jobTemplate/spec/template/spec/imagePullSecrets/name
Ingress - - spec/tls/secretName
Ingress - - metadata/annotations/ingress.kubernetes.io\/auth-secret
Ingress - - metadata/annotations/nginx.ingress.kubernetes.io\/auth-secret
Ingress - - metadata/annotations/nginx.ingress.kubernetes.io\/auth-tls-secret
Ingress - - spec/tls/secretName
ServiceAccount - - imagePullSecrets/name
StorageClass - - parameters/secretName
StorageClass - - parameters/adminSecretName
StorageClass - - parameters/userSecretName
StorageClass - - parameters/secretRef
Role - - rules/resourceNames
ClusterRole - - rules/resourceNames
Service serving.knative.dev v1 spec/template/spec/containers/env/valueFrom/secretKeyRef/name
PersistentVolume - - spec/azureFile/secretName
[nameReference Service - v1]
StatefulSet apps - spec/serviceName
Ingress - - spec/rules/http/paths/backend/serviceName
Ingress - - spec/backend/serviceName
Ingress - - spec/rules/http/paths/backend/service/name
Ingress - - spec/defaultBackend/service/name
APIService apiregistration.k8s.io - spec/service/name
ValidatingWebhookConfiguration admissionregistration.k8s.io - webhooks/clientConfig/service
MutatingWebhookConfiguration admissionregistration.k8s.io - webhooks/clientConfig/service
[nameReference Role rbac.authorization.k8s.io -]
RoleBinding rbac.authorization.k8s.io - roleRef/name
[nameReference ClusterRole rbac.authorization.k8s.io -]
RoleBinding rbac.authorization.k8s.io - roleRef/name
ClusterRoleBinding rbac.authorization.k8s.io - roleRef/name
[nameReference ServiceAccount - v1]
RoleBinding rbac.authorization.k8s.io - subjects
ClusterRoleBinding rbac.authorization.k8s.io - subjects
Pod - - spec/serviceAccountName
StatefulSet - - spec/template/spec/serviceAccountName
Deployment - - spec/template/spec/serviceAccountName
ReplicationController - - spec/template/spec/serviceAccountName
CronJob - - spec/jobTemplate/spec/template/spec/serviceAccountName
Job - - spec/template/spec/serviceAccountName
DaemonSet - - spec/template/spec/serviceAccountName
[nameReference PersistentVolumeClaim - v1]
Pod - - spec/volumes/persistentVolumeClaim/claimName
StatefulSet - - spec/template/spec/volumes/persistentVolumeClaim/claimName
Deployment - - spec/template/spec/volumes/persistentVolumeClaim/claimName
ReplicationController - - spec/template/spec/volumes/persistentVolumeClaim/claimName
CronJob - - spec/jobTemplate/spec/template/spec/volumes/persistentVolumeClaim/claimName
Job - - spec/template/spec/volumes/persistentVolumeClaim/claimName
DaemonSet - - spec/template/spec/volumes/persistentVolumeClaim/claimName
[nameReference PersistentVolume - v1]
PersistentVolumeClaim - - spec/volumeName
ClusterRole - - rules/resourceNames
[nameReference StorageClass storage.k8s.io v1]
PersistentVolume - - spec/storageClassName
PersistentVolumeClaim - - spec/storageClassName
StatefulSet - - spec/volumeClaimTemplates/spec/storageClassName
[nameReference PriorityClass scheduling.k8s.io v1]
Pod - - spec/priorityClassName
StatefulSet - - spec/template/spec/priorityClassName
Deployment - - spec/template/spec/priorityClassName
ReplicationController - - spec/template/spec/priorityClassName
CronJob - - spec/jobTemplate/spec/template/spec/priorityClassName
Job - - spec/template/spec/priorityClassName
DaemonSet - - spec/template/spec/priorityClassName
[nameReference IngressClass networking.k8s.io/v1 v1]
Ingress - - spec/ingressClassName
[nameReference ValidatingAdmissionPolicy admissionregistration.k8s.io -]
ValidatingAdmissionPolicyBinding admissionregistration.k8s.io - spec/policyName
"""#
}
