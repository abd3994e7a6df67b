output "resource_group_name" {
  description = "AKS_RESOURCE_GROUP of the deploy workflow"
  value       = azurerm_resource_group.main.name
}

output "aks_cluster_name" {
  description = "AKS_CLUSTER_NAME of the deploy workflow"
  value       = azurerm_kubernetes_cluster.main.name
}

output "acr_login_server" {
  description = "ACR_LOGIN_SERVER of the deploy workflow"
  value       = azurerm_container_registry.main.login_server
}

output "key_vault_name" {
  description = "KEY_VAULT_NAME of the deploy workflow"
  value       = azurerm_key_vault.main.name
}

output "servicebus_namespace" {
  description = "Service Bus namespace holding the queues and the chat-fanout topic"
  value       = azurerm_servicebus_namespace.main.name
}

output "postgres_server_name" {
  description = "Source server of a point-in-time restore"
  value       = azurerm_postgresql_flexible_server.main.name
}

output "postgres_fqdn" {
  description = "Host name of the PostgreSQL flexible server"
  value       = azurerm_postgresql_flexible_server.main.fqdn
}

output "storage_account_name" {
  description = "Storage account holding invoices, imports and backups"
  value       = azurerm_storage_account.main.name
}

output "log_analytics_workspace_id" {
  description = "Log Analytics workspace of the cluster's container insights"
  value       = azurerm_log_analytics_workspace.main.id
}
