drop index bus_broadcasts_created_at;
drop table bus_broadcasts;
drop index service_requests_closed_at;
drop table chat_messages;
drop table chat_sequences;
