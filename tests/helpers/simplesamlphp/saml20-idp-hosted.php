<?php
// The IdP, signing with the key tests/helpers/saml_idp.py generated (RSA-SHA256, response and assertion signed).
$metadata['__DYNAMIC:1__'] = [
    'host' => '__DEFAULT__',
    'privatekey' => '@@DIR@@/cert/idp.key',
    'certificate' => '@@DIR@@/cert/idp.crt',
    'auth' => 'users',
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'saml20.sign.response' => true,
    'saml20.sign.assertion' => true,
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
    'authproc' => [
        // A persistent NameID per (IdP, SP, uid), as NemLog-in and the Context Handler give one per SP.
        10 => ['class' => 'saml:PersistentNameID', 'attribute' => 'uid'],
    ],
];
