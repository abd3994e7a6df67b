drop table registrations;
