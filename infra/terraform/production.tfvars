environment = "production"
location    = "westeurope"
