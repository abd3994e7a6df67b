variable "name" {
  description = "Short name used in every resource name; global names (storage, Key Vault, registry) add a random suffix"
  type        = string
  default     = "warrantyhub"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{2,13}$", var.name))
    error_message = "name must be 3-14 lower-case letters and digits, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name, e.g. production or staging"
  type        = string
}

variable "location" {
  description = "Azure region"
  type        = string
  default     = "westeurope"
}

variable "tags" {
  description = "Tags put on every resource"
  type        = map(string)
  default     = {}
}

variable "queues" {
  description = "Service Bus queues the workers consume (the names the app uses, without QUEUE_PREFIX)"
  type        = list(string)
  default     = ["registration", "import-chunk", "ocr", "chat"]
}

variable "max_delivery_count" {
  description = "Deliveries before Service Bus moves a message to the queue's dead-letter subqueue; above the app's MAX_ATTEMPTS so the app's own retry and dead-lettering decide first"
  type        = number
  default     = 10
}

variable "message_ttl" {
  description = "Time to live of a queued message (ISO 8601); expired messages are dead-lettered"
  type        = string
  default     = "P14D"
}

variable "blob_containers" {
  description = "Blob containers: invoices, CSV uploads and database backups"
  type        = list(string)
  default     = ["invoices", "imports", "backups"]
}

variable "postgres_version" {
  description = "PostgreSQL major version"
  type        = string
  default     = "16"
}

variable "postgres_sku" {
  description = "PostgreSQL flexible server SKU"
  type        = string
  default     = "GP_Standard_D2ds_v5"
}

variable "postgres_storage_mb" {
  description = "PostgreSQL storage size in MB"
  type        = number
  default     = 65536
}

variable "postgres_backup_retention_days" {
  description = "Days of point-in-time restore (7-35)"
  type        = number
  default     = 35

  validation {
    condition     = var.postgres_backup_retention_days >= 7 && var.postgres_backup_retention_days <= 35
    error_message = "postgres_backup_retention_days must be between 7 and 35."
  }
}

variable "postgres_admin_login" {
  description = "PostgreSQL administrator login"
  type        = string
  default     = "warrantyhub"
}

variable "database_name" {
  description = "Application database"
  type        = string
  default     = "warranty_hub"
}

variable "aks_kubernetes_version" {
  description = "AKS Kubernetes version; null lets Azure pick the default"
  type        = string
  default     = null
}

variable "aks_node_vm_size" {
  description = "VM size of the AKS node pool"
  type        = string
  default     = "Standard_D4ds_v5"
}

variable "aks_node_min_count" {
  description = "Fewest nodes the cluster autoscaler keeps"
  type        = number
  default     = 3
}

variable "aks_node_max_count" {
  description = "Most nodes the cluster autoscaler adds"
  type        = number
  default     = 10
}

variable "log_retention_days" {
  description = "Log Analytics retention"
  type        = number
  default     = 30
}
