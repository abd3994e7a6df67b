locals {
  base = "${var.name}-${var.environment}"
  # Storage accounts, Key Vaults and registries share one global namespace per type.
  global = "${var.name}${substr(var.environment, 0, 4)}${random_string.suffix.result}"
  tags   = merge({ application = "warranty-hub", environment = var.environment }, var.tags)
}

resource "random_string" "suffix" {
  length  = 5
  upper   = false
  special = false
}

resource "azurerm_resource_group" "main" {
  name     = "rg-${local.base}"
  location = var.location
  tags     = local.tags
}

resource "azurerm_log_analytics_workspace" "main" {
  name                = "log-${local.base}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  tags                = local.tags
}
