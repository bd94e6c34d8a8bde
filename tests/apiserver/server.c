/* placeholder until the test API server lands */
int mgo_testapi_placeholder(void);
int mgo_testapi_placeholder(void) { return 0; }
