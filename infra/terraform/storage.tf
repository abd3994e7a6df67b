resource "azurerm_storage_account" "main" {
  name                            = "st${local.global}"
  location                        = azurerm_resource_group.main.location
  resource_group_name             = azurerm_resource_group.main.name
  account_tier                    = "Standard"
  account_replication_type        = "GZRS"
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  https_traffic_only_enabled      = true
  tags                            = local.tags

  blob_properties {
    versioning_enabled = true

    delete_retention_policy {
      days = 30
    }

    container_delete_retention_policy {
      days = 30
    }
  }
}

resource "azurerm_storage_container" "containers" {
  for_each = toset(var.blob_containers)

  name                  = each.value
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = "private"
}

# Database backups made by `npx warranty-hub backup create` move to cool storage after a
# week and are deleted after 90 days.
resource "azurerm_storage_management_policy" "backups" {
  storage_account_id = azurerm_storage_account.main.id

  rule {
    name    = "backups-retention"
    enabled = true

    filters {
      blob_types   = ["blockBlob"]
      prefix_match = ["backups/"]
    }

    actions {
      base_blob {
        tier_to_cool_after_days_since_modification_greater_than = 7
        delete_after_days_since_modification_greater_than       = 90
      }
    }
  }
}
