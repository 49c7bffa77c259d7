/** Every rule, one file each, named by its id. The order is the catalog order of rules.md. */
import type { Rule } from "../types.js";
import storageTransitionMode from "./storage-transition-mode.js";
import storageEnforcementDowngrade from "./storage-enforcement-downgrade.js";
import storageNfs from "./storage-nfs.js";
import storageSftp from "./storage-sftp.js";
import storageSmbAccess from "./storage-smb-access.js";
import storageSharedKeySubscriptionRule from "./storage-shared-key-subscription-rule.js";
import storageObjectReplication from "./storage-object-replication.js";
import storageLifecycleManagement from "./storage-lifecycle-management.js";
import storageBlobInventory from "./storage-blob-inventory.js";
import storageAzureBackup from "./storage-azure-backup.js";
import storageFileSync from "./storage-file-sync.js";
import storageCmkKeyVault from "./storage-cmk-key-vault.js";
import storageTrustedServices from "./storage-trusted-services.js";
import storageFirewallBypassed from "./storage-firewall-bypassed.js";
import storageUnmanagedDisks from "./storage-unmanaged-disks.js";
import accessruleBroadInbound from "./accessrule-broad-inbound.js";
import accessrulePrivateInbound from "./accessrule-private-inbound.js";
import accessruleInvalidPrefix from "./accessrule-invalid-prefix.js";
import accessruleUntrustedSubscription from "./accessrule-untrusted-subscription.js";
import accessruleOutboundWildcard from "./accessrule-outbound-wildcard.js";
import profileRuleLimit from "./profile-rule-limit.js";
import perimeterNoAccessLogs from "./perimeter-no-access-logs.js";
import perimeterLogsOutside from "./perimeter-logs-outside.js";
import perimeterLimits from "./perimeter-limits.js";
import associationUnsupportedType from "./association-unsupported-type.js";
import associationPreviewType from "./association-preview-type.js";
import associationProvisioningIssues from "./association-provisioning-issues.js";
import foundryNoManagedIdentity from "./foundry-no-managed-identity.js";
import foundryCmk from "./foundry-cmk.js";
import foundryNetworkInjection from "./foundry-network-injection.js";
// Revision 2 (rules.md "New rules"), in contract order.
import associationTransitionMode from "./association-transition-mode.js";
import associationRemoved from "./association-removed.js";
import memberSecuredUnassociated from "./member-secured-unassociated.js";
import accessruleServiceTag from "./accessrule-service-tag.js";
import perimeterLinkReview from "./perimeter-link-review.js";
import memberLogsOutside from "./member-logs-outside.js";
import keyvaultTrustedBypass from "./keyvault-trusted-bypass.js";
import eventhubsGeoDr from "./eventhubs-geo-dr.js";
import servicebusGeoReplication from "./servicebus-geo-replication.js";
import cosmosCmkIncompatible from "./cosmos-cmk-incompatible.js";
import sqlDedicatedPool from "./sql-dedicated-pool.js";
import foundryLocalAuth from "./foundry-local-auth.js";

export const ALL_RULES: readonly Rule[] = [
  storageTransitionMode,
  storageEnforcementDowngrade,
  storageNfs,
  storageSftp,
  storageSmbAccess,
  storageSharedKeySubscriptionRule,
  storageObjectReplication,
  storageLifecycleManagement,
  storageBlobInventory,
  storageAzureBackup,
  storageFileSync,
  storageCmkKeyVault,
  storageTrustedServices,
  storageFirewallBypassed,
  storageUnmanagedDisks,
  accessruleBroadInbound,
  accessrulePrivateInbound,
  accessruleInvalidPrefix,
  accessruleUntrustedSubscription,
  accessruleOutboundWildcard,
  profileRuleLimit,
  perimeterNoAccessLogs,
  perimeterLogsOutside,
  perimeterLimits,
  associationUnsupportedType,
  associationPreviewType,
  associationProvisioningIssues,
  foundryNoManagedIdentity,
  foundryCmk,
  foundryNetworkInjection,
  associationTransitionMode,
  associationRemoved,
  memberSecuredUnassociated,
  accessruleServiceTag,
  perimeterLinkReview,
  memberLogsOutside,
  keyvaultTrustedBypass,
  eventhubsGeoDr,
  servicebusGeoReplication,
  cosmosCmkIncompatible,
  sqlDedicatedPool,
  foundryLocalAuth,
];

export const RULE_IDS: readonly string[] = ALL_RULES.map((r) => r.meta.id);
