-- SPDX-License-Identifier: MIT
-- A till database of schema 9 (journal format 4), as the release before
-- script failures were recorded wrote it: sale O1 was decided while
-- scripts/bean.lua failed in on_total (fail_open), which nothing kept.
-- Made with pos-host of commit cca67d2; tests/script_failures_recorded_test.py.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES('store_id','roastery-berlin');
INSERT INTO meta VALUES('store_country','DE');
INSERT INTO meta VALUES('store_vat','DE136695976');
INSERT INTO meta VALUES('branch','000');
INSERT INTO meta VALUES('contact_name','Anna Schmidt');
INSERT INTO meta VALUES('currency','EUR');
CREATE TABLE sales( id INTEGER PRIMARY KEY, store TEXT NOT NULL, terminal TEXT NOT NULL, sale TEXT NOT NULL, cashier TEXT NOT NULL DEFAULT '', began_at TEXT NOT NULL, day TEXT NOT NULL, completed_at TEXT, currency TEXT NOT NULL, purpose TEXT NOT NULL, net INTEGER NOT NULL, tax INTEGER NOT NULL, total INTEGER NOT NULL, customer_id TEXT, customer_name TEXT, customer_org INTEGER NOT NULL DEFAULT 0, reseller_kind TEXT, reseller_id TEXT, reseller_country TEXT, reseller_valid INTEGER, reseller_reason TEXT, treatment TEXT NOT NULL, gift_receipt INTEGER NOT NULL DEFAULT 0, gift_message TEXT, recipient_name TEXT, recipient_contact TEXT, tenders TEXT, meta TEXT, reply TEXT NOT NULL, status TEXT NOT NULL CHECK(status IN ('completed','voided')), attempt TEXT, UNIQUE(store, sale, terminal));
INSERT INTO sales VALUES(1,'roastery-berlin','T1','O1','mia','2026-11-19T09:00:00+01:00','2026-11-19','2026-12-03T21:03:55.289Z','EUR','own_use',1000,190,1190,NULL,NULL,0,NULL,NULL,NULL,NULL,NULL,'standard',0,NULL,NULL,NULL,'[{"type":"cash","amount":1190}]',NULL,'{"ok":true,"type":"sale.complete","sale":"O1","recorded":true,"net":1000,"tax":190,"total":1190,"currency":"EUR","lines":[{"line":"L1","purpose":"own_use","status":"consumer","treatment":"standard"}],"receipt":[],"tax_treatment":"standard"}','completed',NULL);
INSERT INTO sales VALUES(2,'roastery-berlin','T1','O2','mia','2026-11-19T10:00:00+01:00','2026-11-19','2026-12-03T21:03:55.291Z','EUR','resale',2000,0,2000,'B-1','Kaffee Haus GmbH',1,'vat','ATU13585627','AT',1,'','reverse_charge',0,NULL,NULL,NULL,'[{"type":"invoice","amount":2000}]',NULL,'{"ok":true,"type":"sale.complete","sale":"O2","recorded":true,"net":2000,"tax":0,"total":2000,"currency":"EUR","lines":[{"line":"L1","purpose":"resale","status":"reseller","treatment":"reverse_charge"}],"receipt":["Purchased for resale - VAT ATU13585627"],"tax_treatment":"reverse_charge"}','completed',NULL);
INSERT INTO sales VALUES(3,'roastery-berlin','T1','O3','mia','2026-11-19T11:00:00+01:00','2026-11-19',NULL,'EUR','own_use',1000,190,0,NULL,NULL,0,NULL,NULL,NULL,NULL,NULL,'standard',0,NULL,NULL,NULL,NULL,NULL,'{"ok":true,"type":"sale.void","sale":"O3","voided":true}','voided',NULL);
CREATE TABLE lines( sale_id INTEGER NOT NULL REFERENCES sales(id), seq INTEGER NOT NULL, line TEXT NOT NULL, sku TEXT, name TEXT, qty_milli INTEGER NOT NULL, unit_price INTEGER NOT NULL, net INTEGER NOT NULL, tax INTEGER NOT NULL, purpose TEXT NOT NULL, status TEXT NOT NULL, treatment TEXT NOT NULL, gift_receipt INTEGER NOT NULL DEFAULT 0, gift_message TEXT, recipient_name TEXT, recipient_contact TEXT, PRIMARY KEY(sale_id, seq)) WITHOUT ROWID;
INSERT INTO lines VALUES(1,1,'L1','BEANS','Beans',1000,1190,1000,190,'own_use','consumer','standard',0,NULL,NULL,NULL);
INSERT INTO lines VALUES(2,1,'L1','MUG','Mug',2000,1000,2000,0,'resale','reseller','reverse_charge',0,NULL,NULL,NULL);
INSERT INTO lines VALUES(3,1,'L1','MUG','Mug',1000,1190,1000,190,'own_use','consumer','standard',0,NULL,NULL,NULL);
CREATE TABLE evidence( id INTEGER PRIMARY KEY, sale_id INTEGER NOT NULL REFERENCES sales(id), kind TEXT NOT NULL, input TEXT NOT NULL, state TEXT, expires TEXT, compact TEXT NOT NULL, country TEXT NOT NULL, valid INTEGER NOT NULL, reason TEXT NOT NULL, chosen INTEGER NOT NULL DEFAULT 0);
INSERT INTO evidence VALUES(1,2,'vat','ATU13585627',NULL,NULL,'ATU13585627','AT',1,'',1);
CREATE TABLE voids( sale_id INTEGER PRIMARY KEY REFERENCES sales(id), at TEXT NOT NULL, reason TEXT NOT NULL);
INSERT INTO voids VALUES(3,'2026-12-03T21:03:55.292Z','wrong item');
CREATE TABLE salts( sale_id INTEGER NOT NULL, field TEXT NOT NULL, salt BLOB NOT NULL, PRIMARY KEY(sale_id, field)) WITHOUT ROWID;
INSERT INTO salts VALUES(1,'reply',X'16bf5ed53885a653168b895974c32066');
INSERT INTO salts VALUES(2,'customer_name',X'7c1dc78702a76296d0e9a26131890f3e');
INSERT INTO salts VALUES(2,'reply',X'7fa5cf34b5c15d889f6ff8eeb2edc29e');
INSERT INTO salts VALUES(3,'reply',X'4915eee1ab94bf3a8b90f9d8ec2c9f76');
INSERT INTO salts VALUES(3,'void_reason',X'be4723e060fc0f9fc30f4ad5d3995edd');
CREATE TABLE returns( id INTEGER PRIMARY KEY, sale_id INTEGER NOT NULL REFERENCES sales(id), store TEXT NOT NULL, ret TEXT NOT NULL, at TEXT NOT NULL, day TEXT NOT NULL, recorded_at TEXT NOT NULL, reason TEXT NOT NULL  CHECK(reason IN ('damaged','unwanted','wrong_item','other')), reason_text TEXT, currency TEXT NOT NULL, net INTEGER NOT NULL, tax INTEGER NOT NULL, total INTEGER NOT NULL, reseller_kind TEXT, reseller_id TEXT, reseller_country TEXT, reseller_valid INTEGER, reseller_reason TEXT, customer_id TEXT, refund TEXT NOT NULL, reply TEXT NOT NULL, UNIQUE(store, ret));
CREATE TABLE return_lines( return_id INTEGER NOT NULL REFERENCES returns(id), seq INTEGER NOT NULL, line_seq INTEGER NOT NULL, line TEXT NOT NULL, qty_milli INTEGER NOT NULL CHECK(qty_milli > 0), net INTEGER NOT NULL, tax INTEGER NOT NULL, purpose TEXT NOT NULL, status TEXT NOT NULL, treatment TEXT NOT NULL, PRIMARY KEY(return_id, seq)) WITHOUT ROWID;
CREATE TABLE accounts( id INTEGER PRIMARY KEY, store TEXT NOT NULL, account TEXT NOT NULL, version INTEGER NOT NULL CHECK(version >= 1), name TEXT, kind TEXT NOT NULL CHECK(kind IN ('business','person')), purpose TEXT NOT NULL CHECK(purpose IN ('','own_use','gift','resale')), status TEXT NOT NULL CHECK(status IN ('open','closed')), created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE(store, account, version));
CREATE TABLE account_evidence( account_id INTEGER NOT NULL REFERENCES accounts(id), seq INTEGER NOT NULL, kind TEXT NOT NULL CHECK(kind IN ('vat','eori','resale_cert')), input TEXT NOT NULL, state TEXT, signed TEXT, expires TEXT, compact TEXT NOT NULL, country TEXT NOT NULL, PRIMARY KEY(account_id, seq)) WITHOUT ROWID;
CREATE TABLE verifications( id INTEGER PRIMARY KEY, number TEXT NOT NULL, country TEXT NOT NULL, service TEXT NOT NULL CHECK(service IN ('vies','hmrc')), requester TEXT NOT NULL, outcome TEXT NOT NULL  CHECK(outcome IN ('valid','invalid','unavailable','input_error')), code TEXT NOT NULL, detail TEXT NOT NULL, checked_at TEXT NOT NULL, request_date TEXT, consultation TEXT, retry_after TEXT, name TEXT, address TEXT);
CREATE TABLE IF NOT EXISTS "journal"( seq INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL CHECK(kind IN ('sale','void','erase','period','return','account','verification')), sale_id INTEGER NOT NULL, body TEXT NOT NULL, pii TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);
INSERT INTO journal VALUES(1,'2026-12-03T21:03:55.289Z','sale',1,'{"v":4,"sale":["roastery-berlin","T1","O1","mia","2026-11-19T09:00:00+01:00","2026-11-19","2026-12-03T21:03:55.289Z","EUR","own_use",1000,190,1190,null,0,null,null,null,null,null,"standard",0,"[{\"type\":\"cash\",\"amount\":1190}]","completed",null],"lines":[[1,"L1","BEANS","Beans",1000,1190,1000,190,"own_use","consumer","standard",0]],"evidence":[]}','{"reply":"f8764078caf48d317ae5ad0d61ca047c7a62d8047e9b4e3d7bc647d7c9844556"}','0000000000000000000000000000000000000000000000000000000000000000','95976c2d4d20922231ac273288c66d3b6bd5248226ef34795ce4588f90c845bb');
INSERT INTO journal VALUES(2,'2026-12-03T21:03:55.291Z','sale',2,'{"v":4,"sale":["roastery-berlin","T1","O2","mia","2026-11-19T10:00:00+01:00","2026-11-19","2026-12-03T21:03:55.291Z","EUR","resale",2000,0,2000,"B-1",1,"vat","ATU13585627","AT",1,"","reverse_charge",0,"[{\"type\":\"invoice\",\"amount\":2000}]","completed",null],"lines":[[1,"L1","MUG","Mug",2000,1000,2000,0,"resale","reseller","reverse_charge",0]],"evidence":[["vat","ATU13585627",null,null,"ATU13585627","AT",1,"",1]]}','{"customer_name":"baba3c793853b44ca0fedb79e66589d18fc44d3a7a3026da23f37209053ea87a","reply":"c2847674a796df9c216b5513e9e08446c50e5b32373d55252c4037545e75a26d"}','95976c2d4d20922231ac273288c66d3b6bd5248226ef34795ce4588f90c845bb','c5406cadfac0972e0e950e8a1fc23ecc8bddb664f1686bd1eb4ca666e2b37312');
INSERT INTO journal VALUES(3,'2026-12-03T21:03:55.292Z','sale',3,'{"v":4,"sale":["roastery-berlin","T1","O3","mia","2026-11-19T11:00:00+01:00","2026-11-19",null,"EUR","own_use",1000,190,0,null,0,null,null,null,null,null,"standard",0,null,"voided",null],"lines":[[1,"L1","MUG","Mug",1000,1190,1000,190,"own_use","consumer","standard",0]],"evidence":[]}','{"reply":"12c1c1501609bd71e3b8b83e10053684eaeb90236dfa9b25275624ee8cb189b3"}','c5406cadfac0972e0e950e8a1fc23ecc8bddb664f1686bd1eb4ca666e2b37312','6103a0cf84ba615ac31eede7b86114b9c631bf2c9ce6878b772c3f795cbfd501');
INSERT INTO journal VALUES(4,'2026-12-03T21:03:55.292Z','void',3,'{"v":4,"void":["roastery-berlin","T1","O3","2026-12-03T21:03:55.292Z"]}','{"void_reason":"cd60de6b3264db776a11767316041e5d396ec9b46503d53e39a830501e1b7c46"}','6103a0cf84ba615ac31eede7b86114b9c631bf2c9ce6878b772c3f795cbfd501','fb3357e52a12b9655418d4270176870f94de8568a02704f0bfbba0c767fd99ac');
CREATE INDEX sales_day ON sales(day);
CREATE INDEX evidence_sale ON evidence(sale_id);
CREATE INDEX sales_resale ON sales(day, reseller_kind, reseller_id, reseller_valid, reseller_reason, reseller_country, currency, customer_id, customer_name, store, status) WHERE reseller_reason IS NOT NULL;
CREATE INDEX sales_sale ON sales(sale, terminal);
CREATE INDEX returns_sale ON returns(sale_id);
CREATE INDEX returns_day ON returns(day);
CREATE INDEX verifications_number ON verifications(number, id);
CREATE TRIGGER verifications_no_update BEFORE UPDATE ON verifications BEGIN SELECT RAISE(ABORT, 'verifications are append-only'); END;
CREATE TRIGGER verifications_no_delete BEFORE DELETE ON verifications BEGIN SELECT RAISE(ABORT, 'verifications are append-only'); END;
COMMIT;
PRAGMA user_version=9;
