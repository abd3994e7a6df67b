resource "random_password" "postgres_admin" {
  length  = 32
  special = false
}

# Point-in-time restore covers backup_retention_days; geo-redundant backups allow a restore
# into the paired region (infra/runbooks/restore-from-backup.md).
resource "azurerm_postgresql_flexible_server" "main" {
  name                          = "psql-${local.global}"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  version                       = var.postgres_version
  sku_name                      = var.postgres_sku
  storage_mb                    = var.postgres_storage_mb
  auto_grow_enabled             = true
  administrator_login           = var.postgres_admin_login
  administrator_password        = random_password.postgres_admin.result
  backup_retention_days         = var.postgres_backup_retention_days
  geo_redundant_backup_enabled  = true
  public_network_access_enabled = true
  zone                          = "1"
  tags                          = local.tags

  high_availability {
    mode                      = "ZoneRedundant"
    standby_availability_zone = "2"
  }

  lifecycle {
    # Azure may move the primary to the standby zone on failover.
    ignore_changes = [zone, high_availability[0].standby_availability_zone]
  }
}

resource "azurerm_postgresql_flexible_server_database" "app" {
  name      = var.database_name
  server_id = azurerm_postgresql_flexible_server.main.id
  charset   = "UTF8"
  collation = "en_US.utf8"
}

# 0.0.0.0 is Azure's marker for "services inside Azure", which includes the AKS egress.
resource "azurerm_postgresql_flexible_server_firewall_rule" "azure_services" {
  name             = "allow-azure-services"
  server_id        = azurerm_postgresql_flexible_server.main.id
  start_ip_address = "0.0.0.0"
  end_ip_address   = "0.0.0.0"
}
