terraform {
  required_version = ">= 1.6"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.14"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # State lives in a storage account made once by hand (it cannot manage itself):
  #   terraform init -backend-config=backend.hcl
  backend "azurerm" {}
}

provider "azurerm" {
  features {
    key_vault {
      # Secrets are recovered from soft delete rather than lost on a destroy/apply cycle.
      purge_soft_delete_on_destroy = false
    }
  }
}

data "azurerm_client_config" "current" {}
