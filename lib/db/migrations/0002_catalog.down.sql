drop table service_requests;
drop table products;
drop table product_models;
drop table brands;
