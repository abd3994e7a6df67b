resource "azurerm_container_registry" "main" {
  name                = "cr${local.global}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku                 = "Standard"
  admin_enabled       = false
  tags                = local.tags
}

# KEDA comes as the AKS add-on; the ScaledObjects are in infra/k8s/overlays.
resource "azurerm_kubernetes_cluster" "main" {
  name                = "aks-${local.base}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  dns_prefix          = local.base
  kubernetes_version  = var.aks_kubernetes_version
  sku_tier            = "Standard"
  oidc_issuer_enabled = true
  tags                = local.tags

  default_node_pool {
    name                 = "system"
    vm_size              = var.aks_node_vm_size
    auto_scaling_enabled = true
    min_count            = var.aks_node_min_count
    max_count            = var.aks_node_max_count
    zones                = ["1", "2", "3"]

    upgrade_settings {
      max_surge = "33%"
    }
  }

  identity {
    type = "SystemAssigned"
  }

  workload_autoscaler_profile {
    keda_enabled = true
  }

  oms_agent {
    log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id
  }
}

resource "azurerm_role_assignment" "aks_pull" {
  scope                            = azurerm_container_registry.main.id
  role_definition_name             = "AcrPull"
  principal_id                     = azurerm_kubernetes_cluster.main.kubelet_identity[0].object_id
  skip_service_principal_aad_check = true
}
