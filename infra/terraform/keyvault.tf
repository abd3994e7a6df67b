# The app's secrets. The deploy workflow reads them into the Kubernetes Secret
# warranty-hub-secrets; the names below are the ones it asks for.
resource "azurerm_key_vault" "main" {
  name                       = "kv-${local.global}"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  enable_rbac_authorization  = true
  purge_protection_enabled   = true
  soft_delete_retention_days = 90
  tags                       = local.tags
}

# Whoever runs terraform writes the secrets; the deploy identity only reads them.
resource "azurerm_role_assignment" "key_vault_writer" {
  scope                = azurerm_key_vault.main.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}

resource "random_password" "jwt_secret" {
  length  = 64
  special = false
}

locals {
  database_url = format(
    "postgres://%s:%s@%s:5432/%s?sslmode=require",
    var.postgres_admin_login,
    urlencode(random_password.postgres_admin.result),
    azurerm_postgresql_flexible_server.main.fqdn,
    var.database_name,
  )
  app_secrets = {
    "database-url"                 = local.database_url
    "servicebus-connection-string" = azurerm_servicebus_namespace_authorization_rule.app.primary_connection_string
    "storage-connection-string"    = azurerm_storage_account.main.primary_connection_string
    "jwt-secret"                   = random_password.jwt_secret.result
  }
}

resource "azurerm_key_vault_secret" "app" {
  # The names are plain strings, so for_each may use them while the values stay sensitive.
  for_each = toset(["database-url", "servicebus-connection-string", "storage-connection-string", "jwt-secret"])

  name         = each.value
  value        = local.app_secrets[each.value]
  key_vault_id = azurerm_key_vault.main.id

  depends_on = [azurerm_role_assignment.key_vault_writer]
}
