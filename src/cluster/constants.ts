/** Well-known names and keys, relative to the cluster's storage root (spec §1.1). */
export const CLUSTER_CONFIG_FILE = "cluster.yaml";
export const CLUSTER_GRAPHS_DIR = "graphs";
export const CLUSTER_STATE_FILE = "__cluster/state.json";
export const CLUSTER_LOCK_FILE = "__cluster/lock.json";
export const CLUSTER_RESOURCES_DIR = "__cluster/resources";
export const CLUSTER_RECOVERIES_DIR = "__cluster/recoveries";
export const CLUSTER_APPROVALS_DIR = "__cluster/approvals";
